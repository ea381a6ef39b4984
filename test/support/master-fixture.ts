/**
 * Generates "master" databases on the local MariaDB for clone tests (and benchmarks): a Laravel-like schema with
 * foreign keys (CASCADE and SET NULL), CHECK(json_valid) constraints, a view, a trigger, a procedure, a function, an
 * event and optionally a FULLTEXT table and a MyISAM table. Rows are deterministic and generated inside the server
 * from MariaDB's SEQUENCE engine, so a master of a few MB takes well under a second.
 *
 * Also reads back what a server holds (databases, objects, row counts, checksums) for before/after assertions.
 */
import { type Connection, createConnection } from "mysql2/promise";
import { hashResetToken, startMarkSql } from "../../providers/db-clone";
import { testServices } from "./services";

export interface MasterOptions {
  name: string;
  /** Multiplies every table's row count (1 is about 0.9k rows, about 0.5 MB of files). @default 1 */
  scale?: number;
  /** Adds `articles` with a FULLTEXT index (not transportable). @default false */
  fulltext?: boolean;
  /** Adds `legacy_counters`, a MyISAM table (not transportable). @default false */
  myisam?: boolean;
}

/** A root connection to the test MariaDB over its socket, allowing several statements per query. */
export async function connectAsRoot(): Promise<Connection> {
  const { mariadb } = testServices();
  return createConnection({
    socketPath: mariadb.socket,
    user: mariadb.user,
    password: mariadb.password,
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

function quoteName(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`fixture database names are plain words, not ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

const TABLES = `
CREATE TABLE customers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(191) NOT NULL UNIQUE,
  name VARCHAR(100) NOT NULL,
  created_at TIMESTAMP NULL
) ENGINE=InnoDB;
CREATE TABLE products (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku VARCHAR(32) NOT NULL UNIQUE,
  title VARCHAR(150) NOT NULL,
  price DECIMAL(10,2) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  status VARCHAR(20) NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  created_at TIMESTAMP NULL,
  KEY orders_status_index (status),
  CONSTRAINT orders_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE order_items (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  product_id BIGINT UNSIGNED NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  CONSTRAINT order_items_order_id_foreign FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
  CONSTRAINT order_items_product_id_foreign FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE SET NULL
) ENGINE=InnoDB;
CREATE TABLE audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  old_values LONGTEXT NOT NULL CHECK (json_valid(old_values)),
  new_values LONGTEXT NOT NULL CHECK (json_valid(new_values)),
  created_at TIMESTAMP NULL,
  KEY audit_log_order_id_index (order_id)
) ENGINE=InnoDB;
CREATE TABLE migrations (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  migration VARCHAR(191) NOT NULL,
  batch INT NOT NULL
) ENGINE=InnoDB;
`;

function dataSql(scale: number): string {
  const n = (base: number): number => Math.max(1, Math.round(base * scale));
  return `
INSERT INTO customers (email, name, created_at)
  SELECT CONCAT('customer', seq, '@example.test'), CONCAT('Customer ', seq), '2024-01-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_${n(60)};
INSERT INTO products (sku, title, price)
  SELECT CONCAT('SKU-', LPAD(seq, 6, '0')), CONCAT('Product ', seq), ROUND(1 + (seq * 37 % 500) / 3, 2) FROM seq_1_to_${n(25)};
INSERT INTO orders (customer_id, status, total, created_at)
  SELECT 1 + (seq * 7919) % ${n(60)}, ELT(1 + seq % 4, 'pending', 'paid', 'shipped', 'cancelled'), ROUND((seq * 131) % 10000 / 7, 2),
         '2024-02-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_${n(180)};
INSERT INTO order_items (order_id, product_id, quantity, unit_price)
  SELECT 1 + (seq * 104729) % ${n(180)}, IF(seq % 11 = 0, NULL, 1 + seq % ${n(25)}), 1 + seq % 5, ROUND(1 + (seq * 53 % 400) / 3, 2)
  FROM seq_1_to_${n(480)};
INSERT INTO audit_log (order_id, old_values, new_values, created_at)
  SELECT 1 + seq % ${n(180)}, JSON_OBJECT('status', 'pending', 'note', REPEAT('o', 200 + seq % 200)),
         JSON_OBJECT('status', 'paid', 'by', CONCAT('user', seq % 13), 'note', REPEAT('n', 300 + seq % 300)),
         '2024-03-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_${n(120)};
INSERT INTO migrations (migration, batch)
  SELECT CONCAT('2024_01_', LPAD(seq, 2, '0'), '_000000_create_table_', seq), 1 + seq DIV 4 FROM seq_1_to_12;
`;
}

const OBJECTS = [
  `CREATE VIEW order_summaries AS
     SELECT o.id AS order_id, c.email, o.status, o.total, COUNT(i.id) AS items
     FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN order_items i ON i.order_id = o.id
     GROUP BY o.id, c.email, o.status, o.total`,
  `CREATE TRIGGER orders_status_audit AFTER UPDATE ON orders FOR EACH ROW
     INSERT INTO audit_log (order_id, old_values, new_values, created_at)
     VALUES (NEW.id, JSON_OBJECT('status', OLD.status), JSON_OBJECT('status', NEW.status), NOW())`,
  `CREATE PROCEDURE customer_order_stats(IN customer BIGINT UNSIGNED)
     SELECT COUNT(*) AS orders, COALESCE(SUM(total), 0) AS spent FROM orders WHERE customer_id = customer`,
  `CREATE FUNCTION order_item_count(order_ref BIGINT UNSIGNED) RETURNS INT READS SQL DATA
     RETURN (SELECT COUNT(*) FROM order_items WHERE order_id = order_ref)`,
  `CREATE EVENT prune_audit_log ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE
     DO DELETE FROM audit_log WHERE created_at < NOW() - INTERVAL 1 YEAR`,
];

const FULLTEXT = `
CREATE TABLE articles (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  body TEXT NOT NULL,
  FULLTEXT KEY articles_fulltext (title, body)
) ENGINE=InnoDB;
INSERT INTO articles (title, body)
  SELECT CONCAT('Article ', seq), CONCAT('Body of article ', seq, IF(seq % 3 = 0, ' mentions zebras', ' mentions nothing')) FROM seq_1_to_30;
`;

const MYISAM = `
CREATE TABLE legacy_counters (name VARCHAR(40) NOT NULL PRIMARY KEY, hits INT NOT NULL) ENGINE=MyISAM;
INSERT INTO legacy_counters VALUES ('home', 10), ('checkout', 3);
`;

/** Creates (replacing any previous one) a master database as described in the file header. */
export async function createMaster(conn: Connection, options: MasterOptions): Promise<void> {
  const db = quoteName(options.name);
  await conn.query(
    `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; USE ${db};`,
  );
  await conn.query(TABLES);
  await conn.query(dataSql(options.scale ?? 1));
  for (const statement of OBJECTS) await conn.query(statement);
  if (options.fulltext === true) await conn.query(FULLTEXT);
  if (options.myisam === true) await conn.query(MYISAM);
}

/**
 * Gives `name` the clone mark of a verified clone by `owner`, as a refresh by the snapshots stack leaves its master:
 * what sealDatabase requires before it writes.
 */
export async function markAsVerifiedClone(conn: Connection, name: string, owner: string): Promise<void> {
  const now = new Date().toISOString();
  await conn.query(
    startMarkSql(name, {
      owner,
      source: "generated",
      resetTokenSha256: hashResetToken(""),
      startedAt: now,
      dataAsOf: now,
    }),
  );
  await conn.query(
    `UPDATE ${quoteName(name)}._forge_previews_clone SET status = 'verified', finished_at = UTC_TIMESTAMP(6) WHERE id = 1`,
  );
}

export async function dropDatabases(conn: Connection, ...names: string[]): Promise<void> {
  for (const name of names) await conn.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`);
}

/** Creates an empty database (as ForgeDatabase would). */
export async function createEmptyDatabase(conn: Connection, name: string): Promise<void> {
  await conn.query(
    `DROP DATABASE IF EXISTS ${quoteName(name)}; CREATE DATABASE ${quoteName(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
}

export type Rows = Record<string, unknown>[];

/** The rows `sql` returns. */
export async function rowsOf(conn: Connection, sql: string, params: unknown[] = []): Promise<Rows> {
  const [rows] = await conn.query(sql, params);
  return rows as Rows;
}

/** The `n` of the first row, for `SELECT COUNT(*) AS n ...`. */
export async function countOf(conn: Connection, sql: string): Promise<number> {
  return Number((await rowsOf(conn, sql))[0]?.n);
}

/** A database's tables (row counts and checksums) without the clone's own mark table; empty when it is missing. */
export async function readTables(conn: Connection, name: string): Promise<DatabaseContents["tables"]> {
  const { _forge_previews_clone: _mark, ...tables } = (await readContents(conn, name))?.tables ?? {};
  return tables;
}

export interface DatabaseContents {
  tables: Record<string, { rows: number; checksum: string }>;
  views: string[];
  triggers: string[];
  routines: string[];
  events: string[];
}

/** Everything observable about one database: per-table row counts and checksums, and its object names. */
export async function readContents(conn: Connection, name: string): Promise<DatabaseContents | null> {
  const exists = await rowsOf(conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [name]);
  if (exists.length === 0) return null;
  const names = async (sql: string): Promise<string[]> =>
    (await rowsOf(conn, sql, [name])).map((r) => String(Object.values(r)[0]));
  const tableNames = await names(
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME",
  );
  const tables: DatabaseContents["tables"] = {};
  for (const table of tableNames) {
    const qualified = `${quoteName(name)}.\`${table.replace(/`/g, "``")}\``;
    const [count] = await rowsOf(conn, `SELECT COUNT(*) AS n FROM ${qualified}`);
    const [sum] = await rowsOf(conn, `CHECKSUM TABLE ${qualified}`);
    tables[table] = { rows: Number(count?.n), checksum: String(sum?.Checksum) };
  }
  return {
    tables,
    views: await names("SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1"),
    triggers: await names("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1"),
    routines: await names(
      "SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1",
    ),
    events: await names("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1"),
  };
}

/** The contents of several databases (null for a missing one), for asserting that a refused clone changed nothing. */
export async function readServerState(
  conn: Connection,
  names: readonly string[],
): Promise<Record<string, DatabaseContents | null>> {
  const state: Record<string, DatabaseContents | null> = {};
  for (const name of names) state[name] = await readContents(conn, name);
  return state;
}

/** Names of all databases on the server. */
export async function listDatabases(conn: Connection): Promise<string[]> {
  return (await rowsOf(conn, "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY 1")).map((r) =>
    String(r.name),
  );
}
