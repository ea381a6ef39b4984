/**
 * The seal of a master: each table's row count and CHECKSUM TABLE value, measured right after a refresh under
 * FLUSH TABLES ... FOR EXPORT, with the identity of the table's .ibd file taken under the same lock (device, inode,
 * size, modification and change times). A transport clone takes the same identities under its own export lock. A
 * table whose file is unchanged holds exactly the rows the seal measured, so the clone is compared with the seal
 * instead of counting the master a second time, and the core that counting took counts the clone while it imports.
 *
 * Why the identity proves it: the export lock writes every changed page of the table to its file before the
 * identities are read, and any write moves the file's times; a rebuild, TRUNCATE or restore gives it a new inode.
 * The seal holds its lock a little after reading the identities, so that a later write cannot fall into the same
 * tick of the file system's clock. Any difference, or no seal, and the clone measures the master live as before.
 */
import { buildShellCommand } from "../ssh";
import { fileIdentitiesArgv, parseFileIdentities, underExportLock } from "./datadir-files";
import { CloneRefusedError, RemoteCommandError } from "./errors";
import type { SchemaInventory } from "./inventory";
import { MARK_TABLE, type MasterSeal, type SealedTable, readMark } from "./mark";
import type { RemoteMysql } from "./remote-mysql";
import type { FileRights } from "./server-facts";
import { withCloneSession } from "./session";
import { qualified, sqlString } from "./sql";
import type { CommandRunner, MysqlAccess, VerifyLevel } from "./types";
import { type SchemaMeasure, measureSql, readMeasures } from "./verify";

/** Holding the export lock this long after reading the identities puts any later write on a later clock tick. */
const HOLD_AFTER_IDENTITIES_S = 0.05;

export interface SealCheck {
  /** The source's measure for `level`, from the seal; null unless the seal vouches for every table. */
  measure: SchemaMeasure | null;
  /** Why the seal could not vouch for a table (empty when it vouched for all). */
  unvouched: { table: string; why: string }[];
}

/** Compares the identities a clone read under its export lock with the seal, for every table of the source. */
export function checkSeal(
  seal: MasterSeal,
  identities: ReadonlyMap<string, string>,
  tables: readonly string[],
  level: VerifyLevel,
): SealCheck {
  const measure: SchemaMeasure = { counts: new Map(), sums: new Map() };
  const unvouched: SealCheck["unvouched"] = [];
  for (const table of tables) {
    const sealed = seal.tables[table];
    const identity = identities.get(table);
    if (sealed === undefined) unvouched.push({ table, why: "not in the seal" });
    else if (identity === undefined) unvouched.push({ table, why: "its file was not listed" });
    else if (identity !== sealed.file) unvouched.push({ table, why: "its file changed since the seal" });
    else if (level === "checksum" && sealed.checksum === null)
      unvouched.push({ table, why: "the seal has no checksum for it" });
    else {
      measure.counts.set(table, sealed.rows);
      if (sealed.checksum !== null) measure.sums.set(table, sealed.checksum);
    }
  }
  return { measure: unvouched.length === 0 ? measure : null, unvouched };
}

/** "`a` (its file changed since the seal), `b` (...)" for log lines, at most `limit` tables. */
export function describeUnvouched(unvouched: SealCheck["unvouched"], limit = 3): string {
  const shown = unvouched.slice(0, limit).map((u) => `\`${u.table}\` (${u.why})`);
  return `${shown.join(", ")}${unvouched.length > limit ? `, and ${unvouched.length - limit} more` : ""}`;
}

export interface SealOptions {
  database: string;
  /** The owner in the database's clone mark; a database marked by anyone else (or not at all) is not sealed. */
  owner: string;
  access: MysqlAccess;
  stepTimeoutMs?: number;
  log?(message: string): void;
}

export interface SealResult {
  sealed: boolean;
  /** Tables in the seal. */
  tables: number;
  /** Why nothing or not every table was sealed; empty when every table was. */
  detail: string;
}

/** The export-locked session measuring `tables` and listing their files' identities. */
function sealSql(access: FileRights, dataDir: string, schema: string, tables: readonly string[]): string {
  const names = tables.map((t) => qualified(schema, t));
  return [
    `FLUSH TABLES ${names.join(", ")} FOR EXPORT;`,
    `system ${buildShellCommand(fileIdentitiesArgv(access, `${dataDir}/${schema}`))}`,
    measureSql(schema, tables, true, true),
    `DO SLEEP(${HOLD_AFTER_IDENTITIES_S});`,
    "UNLOCK TABLES;",
    "",
  ].join("\n");
}

/** The seal's tables from the session's output: identity lines, then {@link measureSql}'s rows (which skip them). */
function parseSealOutput(output: string, schema: string, tables: readonly string[]): Record<string, SealedTable> {
  const identities = parseFileIdentities(output);
  const { counts, sums } = readMeasures([output], schema);
  const sealed: Record<string, SealedTable> = {};
  for (const table of tables) {
    const file = identities.get(table);
    const count = counts.get(table);
    if (file === undefined || count === undefined) {
      throw new RemoteCommandError(
        `Sealing \`${schema}\``,
        1,
        `no ${file === undefined ? "file identity" : "row count"} was read for \`${table}\``,
      );
    }
    const checksum = sums.get(table);
    sealed[table] = { rows: count, checksum: checksum === undefined || checksum === "NULL" ? null : checksum, file };
  }
  return sealed;
}

/** Stores the seal in the database's clone mark, adding the mark's `seal` column when an older mark lacks it. */
async function storeSeal(
  mysql: RemoteMysql,
  schema: string,
  inventory: SchemaInventory,
  seal: MasterSeal | null,
): Promise<void> {
  const mark = qualified(schema, MARK_TABLE);
  const addColumn = inventory.markHasSeal ? [] : [`ALTER TABLE ${mark} ADD COLUMN seal LONGTEXT NULL;`];
  const value = seal === null ? "NULL" : sqlString(JSON.stringify(seal));
  await mysql.execute([...addColumn, `UPDATE ${mark} SET seal = ${value} WHERE id = 1;`].join("\n"), {
    step: `Recording the seal in the clone mark of \`${schema}\``,
    database: schema,
  });
}

/**
 * Seals `options.database`, which must carry `owner`'s verified clone mark (the snapshots stack seals a master after
 * promoting it). Only the mark is written. Without file access to the datadir nothing is sealed (transport, which
 * reads the seal, is not possible then either) and an earlier seal is cleared.
 */
export async function sealDatabase(runner: CommandRunner, options: SealOptions): Promise<SealResult> {
  const { database, owner } = options;
  const request = {
    access: options.access,
    stepTimeoutMs: options.stepTimeoutMs,
    workDirFor: database,
    grantsFor: database,
    schemas: [database],
    listFilesOf: database,
  };
  return withCloneSession(runner, request, async ({ mysql, facts, inventories, tablespaceFiles }) => {
    const inventory = inventories.get(database) ?? null;
    const mark = inventory?.hasMark ? await readMark(mysql, inventory) : null;
    if (inventory === null || mark?.owner !== owner || mark.status !== "verified") {
      const held =
        inventory === null
          ? "does not exist"
          : mark === null
            ? "has no clone mark"
            : `is marked by \`${mark.owner}\` (${mark.status})`;
      throw new CloneRefusedError(
        `Refusing to seal \`${database}\`: it ${held}, and only a verified clone by \`${owner}\` is sealed.`,
      );
    }
    const files = tablespaceFiles ?? new Set<string>();
    const tables = inventory.tables.filter((t) => files.has(t.name) && !t.partitioned).map((t) => t.name);
    const left = inventory.tables.filter((t) => !tables.includes(t.name)).map((t) => t.name);
    if (facts.fileAccess === "none" || tables.length === 0) {
      await storeSeal(mysql, database, inventory, null);
      const why =
        facts.fileAccess === "none" ? "the SSH user can read no file in the datadir" : "no table has its own .ibd file";
      return { sealed: false, tables: 0, detail: why };
    }
    const sealedAt = new Date().toISOString();
    const [output = ""] = await mysql.runSteps([
      {
        step: `Measuring \`${database}\` under an export lock for its seal`,
        // Never beside a transport clone's export of the same database: one UNLOCK TABLES would delete the other's .cfg files.
        command: underExportLock(database, buildShellCommand(mysql.mysqlArgv())),
        stdin: sealSql(facts, facts.dataDir, database, tables),
        output: true,
      },
    ]);
    await storeSeal(mysql, database, inventory, { sealedAt, tables: parseSealOutput(output, database, tables) });
    const detail =
      left.length === 0 ? "" : `not sealed (no .ibd file of their own): ${left.map((t) => `\`${t}\``).join(", ")}`;
    options.log?.(`sealed \`${database}\`: ${tables.length} tables${detail === "" ? "" : `; ${detail}`}`);
    return { sealed: true, tables: tables.length, detail };
  });
}
