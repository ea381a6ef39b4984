/**
 * What MySQL on the server says about the databases that matter here, in one query: its datadir (whose filesystem
 * the clones fill), every schema's size, and when each master's data was taken (the clone mark the snapshots stack
 * writes). Sizes are information_schema's `data_length + index_length`: InnoDB's page counts as of its last
 * statistics update, close to the files' size, not exact.
 */
import { MARK_TABLE, type MysqlAccess, PLAIN_NAME, quoteIdentifier, utcToIso } from "../../providers/db-clone";
import type { SshSession } from "../../providers/ssh";
import { queryMysql } from "./server-access";

export interface SchemaSize {
  bytes: number;
  tables: number;
}

export interface MysqlFacts {
  dataDir: string;
  /** By schema name; a schema without tables is absent. */
  sizes: Map<string, SchemaSize>;
}

/** The datadir and every schema's size. */
export async function readMysqlFacts(session: SshSession, access: MysqlAccess): Promise<MysqlFacts> {
  const rows = await queryMysql(
    session,
    access,
    "SELECT 'datadir', @@datadir, 0;\n" +
      "SELECT table_schema, COALESCE(SUM(data_length + index_length), 0), COUNT(*) FROM information_schema.tables " +
      "WHERE table_type = 'BASE TABLE' GROUP BY table_schema;\n",
  );
  const [first, ...rest] = rows;
  if (first?.[0] !== "datadir" || !first[1]?.startsWith("/"))
    throw new Error("MySQL on the server did not report its datadir");
  const sizes = new Map<string, SchemaSize>();
  for (const [schema = "", bytes = "0", tables = "0"] of rest)
    sizes.set(schema, { bytes: Number(bytes), tables: Number(tables) });
  return { dataDir: access.dataDir ?? (first[1].replace(/\/+$/, "") || "/"), sizes };
}

/**
 * When each of `masters` was taken from production: its clone mark's `data_as_of`, else when its copy finished; null
 * for a master without a mark (made outside the snapshots stack) or that does not exist.
 */
export async function readMasterAges(
  session: SshSession,
  access: MysqlAccess,
  masters: readonly string[],
): Promise<Map<string, string | null>> {
  const taken = new Map<string, string | null>(masters.map((m) => [m, null]));
  const plain = masters.filter((m) => PLAIN_NAME.test(m));
  if (plain.length === 0) return taken;
  const list = plain.map((m) => `'${m}'`).join(", ");
  const marked = await queryMysql(
    session,
    access,
    `SELECT table_schema FROM information_schema.tables WHERE table_name = '${MARK_TABLE}' AND table_schema IN (${list});\n`,
  );
  const withMark = marked.map(([schema = ""]) => schema).filter((schema) => plain.includes(schema));
  if (withMark.length === 0) return taken;
  const sql = withMark
    .map(
      (m) =>
        `SELECT '${m}', COALESCE(data_as_of, finished_at, '') FROM ${quoteIdentifier(m)}.${quoteIdentifier(MARK_TABLE)} WHERE id = 1`,
    )
    .join(" UNION ALL ");
  for (const [schema = "", at = ""] of await queryMysql(session, access, `${sql};\n`)) taken.set(schema, utcToIso(at));
  return taken;
}
