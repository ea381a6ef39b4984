/**
 * The clone mark: a one-row table `_forge_previews_clone` inside a cloned database, saying who owns the clone, what it
 * was cloned from, with which reset token, and how the clone went.
 *
 * Why a table: MySQL 8 has no schema comments (MariaDB's exist only since 10.5), and a mark outside the database (a
 * registry schema) would survive a drop-and-recreate of the database by someone else and then vouch for data that is
 * no longer ours. A table lives and dies with the data it describes; when an app wipes its tables (`migrate:fresh`),
 * the mark goes too and the engine refuses to overwrite the database again until it is empty, which is the safe side.
 * The mark is never copied (a master that is itself a clone has one) and never compared.
 */
import { createHash } from "node:crypto";
import type { SchemaInventory } from "./inventory";
import type { RemoteMysql } from "./remote-mysql";
import { isoToUtc, qualified, sqlString, utcToIso } from "./sql";

export const MARK_TABLE = "_forge_previews_clone";

export type MarkStatus = "cloning" | "verified" | "failed";

export interface CloneMark {
  owner: string;
  source: string;
  resetTokenSha256: string;
  status: MarkStatus;
  startedAt: string;
  finishedAt: string | null;
  /** ISO time the clone's data reflects (what a clone of this database reports as its source snapshot time). */
  dataAsOf: string | null;
  /** The recorded clone result (JSON), for adoption; null until verified. */
  result: unknown;
  /** What a master measured when it was sealed (see seal.ts); null when it was not. */
  seal: MasterSeal | null;
}

export interface SealedTable {
  rows: number;
  /** CHECKSUM TABLE, or null when the server gave none. */
  checksum: string | null;
  /** `device:inode:size:mtime:ctime` of the table's .ibd file. */
  file: string;
}

export interface MasterSeal {
  sealedAt: string;
  tables: Record<string, SealedTable>;
}

/** The seal stored in a clone mark, or null when it is missing or not in the expected form. */
export function parseSeal(text: string): MasterSeal | null {
  if (text === "" || text === "NULL") return null;
  try {
    const value = JSON.parse(text) as Partial<MasterSeal>;
    if (typeof value.sealedAt !== "string" || value.tables === null || typeof value.tables !== "object") return null;
    const tables: Record<string, SealedTable> = {};
    for (const [name, table] of Object.entries(value.tables as Record<string, Partial<SealedTable>>)) {
      if (!Number.isSafeInteger(table.rows) || typeof table.file !== "string") return null;
      tables[name] = {
        rows: table.rows as number,
        checksum: typeof table.checksum === "string" ? table.checksum : null,
        file: table.file,
      };
    }
    return { sealedAt: value.sealedAt, tables };
  } catch {
    return null;
  }
}

export function hashResetToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function markSql(schema: string): string {
  return qualified(schema, MARK_TABLE);
}

/**
 * Reads the mark of the schema `inventory` describes; call only when it says the mark table exists. Marks made before
 * seals existed have no `seal` column. Null when the mark has no row.
 */
export async function readMark(mysql: RemoteMysql, inventory: SchemaInventory): Promise<CloneMark | null> {
  const { name: schema, markHasSeal: withSeal } = inventory;
  const rows = await mysql.query(
    "SELECT owner, source, reset_token_sha256, status, started_at, COALESCE(finished_at, ''), COALESCE(data_as_of, ''), " +
      `COALESCE(result, ''), ${withSeal ? "COALESCE(seal, '')" : "''"} FROM ${markSql(schema)} WHERE id = 1;`,
    { step: `Reading the clone mark of \`${schema}\`` },
  );
  const [row] = rows;
  if (row === undefined) return null;
  const [
    owner = "",
    source = "",
    resetTokenSha256 = "",
    status = "",
    startedAt,
    finishedAt,
    dataAsOf,
    result = "",
    seal = "",
  ] = row;
  let parsed: unknown = null;
  if (result !== "") {
    try {
      parsed = JSON.parse(result);
    } catch {
      parsed = null;
    }
  }
  return {
    owner,
    source,
    resetTokenSha256,
    status: status === "verified" || status === "failed" ? status : "cloning",
    startedAt: utcToIso(startedAt) ?? "",
    finishedAt: utcToIso(finishedAt),
    dataAsOf: utcToIso(dataAsOf),
    result: parsed,
    seal: parseSeal(seal),
  };
}

/**
 * SQL creating the mark table if needed and recording a clone in progress. Written before any data, so an
 * interrupted clone still carries the owner and the next run may clear it.
 */
export function startMarkSql(
  target: string,
  mark: { owner: string; source: string; resetTokenSha256: string; startedAt: string; dataAsOf: string | null },
): string {
  const dataAsOf = mark.dataAsOf === null ? "NULL" : sqlString(isoToUtc(mark.dataAsOf));
  return [
    `CREATE TABLE IF NOT EXISTS ${markSql(target)} (`,
    "  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,",
    "  owner VARCHAR(255) NOT NULL,",
    "  source VARCHAR(64) NOT NULL,",
    "  reset_token_sha256 CHAR(64) NOT NULL,",
    "  status VARCHAR(16) NOT NULL,",
    "  started_at DATETIME(6) NOT NULL,",
    "  finished_at DATETIME(6) NULL,",
    "  data_as_of DATETIME(6) NULL,",
    "  result LONGTEXT NULL,",
    "  seal LONGTEXT NULL",
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='forge-previews clone mark: which stack owns this database; never copied';",
    `REPLACE INTO ${markSql(target)} (id, owner, source, reset_token_sha256, status, started_at, data_as_of) VALUES (1, ` +
      `${sqlString(mark.owner)}, ${sqlString(mark.source)}, ${sqlString(mark.resetTokenSha256)}, 'cloning', ` +
      `${sqlString(isoToUtc(mark.startedAt))}, ${dataAsOf});`,
  ].join("\n");
}

/** Records how the clone ended; `result` is kept for adoption when the status is `verified`. */
export async function finishMark(
  mysql: RemoteMysql,
  target: string,
  status: Exclude<MarkStatus, "cloning">,
  finishedAt: string,
  result: unknown,
): Promise<void> {
  await mysql.execute(
    `UPDATE ${markSql(target)} SET status = ${sqlString(status)}, finished_at = ${sqlString(isoToUtc(finishedAt))}, ` +
      `result = ${result === null ? "NULL" : sqlString(JSON.stringify(result))} WHERE id = 1;`,
    { step: `Recording the outcome in the clone mark of \`${target}\``, database: target },
  );
}
