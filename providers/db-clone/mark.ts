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
}

export function hashResetToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function markSql(schema: string): string {
  return qualified(schema, MARK_TABLE);
}

/** Reads the mark of `schema`; call only when its inventory says the mark table exists. Null when it has no row. */
export async function readMark(mysql: RemoteMysql, schema: string): Promise<CloneMark | null> {
  const rows = await mysql.query(
    "SELECT owner, source, reset_token_sha256, status, started_at, COALESCE(finished_at, ''), COALESCE(data_as_of, ''), " +
      `COALESCE(result, '') FROM ${markSql(schema)} WHERE id = 1;`,
    { step: `Reading the clone mark of \`${schema}\`` },
  );
  const [row] = rows;
  if (row === undefined) return null;
  const [owner = "", source = "", resetTokenSha256 = "", status = "", startedAt, finishedAt, dataAsOf, result = ""] = row;
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
    "  result LONGTEXT NULL",
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
