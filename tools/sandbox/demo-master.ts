/**
 * A small master database for the embedded default, shaped like a Laravel app's: tables with foreign keys, a view, a
 * trigger and a routine, so the clone engine has everything a real master has to carry over.
 */
import type { MariaDbEndpoint } from "./local-services";

export const DEMO_MASTER = "demo_master";

const STATEMENTS = [
  `CREATE DATABASE IF NOT EXISTS \`${DEMO_MASTER}\``,
  `USE \`${DEMO_MASTER}\``,
  `CREATE TABLE customers (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL,
     email VARCHAR(190) NOT NULL UNIQUE, created_at TIMESTAMP NULL) ENGINE=InnoDB`,
  `CREATE TABLE orders (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, customer_id BIGINT UNSIGNED NOT NULL,
     status VARCHAR(20) NOT NULL DEFAULT 'new', total_cents INT NOT NULL,
     CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE) ENGINE=InnoDB`,
  `CREATE TABLE audit_log (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, order_id BIGINT UNSIGNED NOT NULL,
     message VARCHAR(200) NOT NULL) ENGINE=InnoDB`,
  `CREATE VIEW order_totals AS SELECT customer_id, COUNT(*) AS orders, SUM(total_cents) AS cents FROM orders GROUP BY customer_id`,
  `CREATE TRIGGER orders_status_audit AFTER UPDATE ON orders FOR EACH ROW
     INSERT INTO audit_log (order_id, message) VALUES (NEW.id, CONCAT('status ', OLD.status, ' -> ', NEW.status))`,
  `CREATE PROCEDURE customer_order_count(IN customer BIGINT UNSIGNED) SELECT COUNT(*) FROM orders WHERE customer_id = customer`,
  `INSERT INTO customers (name, email, created_at)
     SELECT CONCAT('Customer ', seq), CONCAT('customer', seq, '@example.test'), NOW() FROM seq_1_to_200`,
  `INSERT INTO orders (customer_id, status, total_cents) SELECT 1 + (seq % 200), 'paid', seq * 7 FROM seq_1_to_1000`,
];

/** Creates the demo master once; an existing one is left as it is. */
export async function seedDemoMaster(mariadb: MariaDbEndpoint): Promise<void> {
  const mysql = await import("mysql2/promise");
  const connection = await mysql.createConnection({
    host: mariadb.host,
    port: mariadb.port,
    user: mariadb.user,
    password: mariadb.password,
  });
  try {
    const [rows] = await connection.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
      DEMO_MASTER,
    ]);
    if ((rows as unknown[]).length > 0) return;
    for (const statement of STATEMENTS) await connection.query(statement);
  } finally {
    await connection.end();
  }
}
