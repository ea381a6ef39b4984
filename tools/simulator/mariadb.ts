import type { Pool } from "mysql2/promise";
import { HttpError, fieldError } from "./errors";
import type { MariaDbConnection } from "./options";

/** MariaDB error codes that mean the client asked for something invalid rather than a server fault. */
const CLIENT_ERRORS: Record<string, string> = {
  ER_DB_CREATE_EXISTS: "The name has already been taken.",
  ER_CANNOT_USER: "The name has already been taken.",
  ER_WRONG_DB_NAME: "The name is not a valid MariaDB database name.",
  ER_TOO_LONG_IDENT: "The name is too long for MariaDB.",
  ER_WRONG_STRING_LENGTH: "The name is too long for a MariaDB user name.",
};

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "UNKNOWN";
}

/**
 * Real side effects on a root-capable MariaDB: what Forge runs on the server when a schema or
 * user is created. Errors name the MariaDB code only: the SQL carries passwords and is never shown.
 */
export class MariaDbEffects {
  private pool: Pool | null = null;

  constructor(private readonly connection: MariaDbConnection | null) {}

  get enabled(): boolean {
    return this.connection !== null;
  }

  private async run(action: string, sql: string, values: unknown[]): Promise<void> {
    if (this.connection === null) return;
    if (this.pool === null) {
      const mysql = await import("mysql2/promise");
      this.pool = mysql.createPool({ ...this.connection, connectionLimit: 2, multipleStatements: false });
    }
    try {
      await this.pool.query(sql, values);
    } catch (error) {
      const code = codeOf(error);
      if (code in CLIENT_ERRORS) throw fieldError("name", CLIENT_ERRORS[code]);
      throw new HttpError(500, `The simulator's MariaDB refused to ${action} (${code}).`);
    }
  }

  async createDatabase(name: string): Promise<void> {
    await this.run("create the database", "CREATE DATABASE ??", [name]);
  }

  async dropDatabase(name: string): Promise<void> {
    await this.run("drop the database", "DROP DATABASE IF EXISTS ??", [name]);
  }

  private async grant(name: string, databases: string[], readOnly: boolean): Promise<void> {
    for (const database of databases) {
      const privileges = readOnly ? "SELECT" : "ALL PRIVILEGES";
      await this.run("grant access", `GRANT ${privileges} ON ??.* TO ?@'%'`, [database, name]);
    }
  }

  /** Forge creates users for any host (`'%'`) with all privileges on their databases. */
  async createUser(name: string, password: string, databases: string[], readOnly: boolean): Promise<void> {
    await this.run("create the user", "CREATE USER ?@'%' IDENTIFIED BY ?", [name, password]);
    await this.grant(name, databases, readOnly);
  }

  async updateUser(name: string, password: string | null, databases: string[], readOnly: boolean): Promise<void> {
    if (password !== null) await this.run("change the password", "ALTER USER ?@'%' IDENTIFIED BY ?", [name, password]);
    await this.run("revoke access", "REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@'%'", [name]);
    await this.grant(name, databases, readOnly);
  }

  async dropUser(name: string): Promise<void> {
    await this.run("drop the user", "DROP USER IF EXISTS ?@'%'", [name]);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await pool.end();
  }
}
