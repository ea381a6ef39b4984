/**
 * Copying a schema's definitions and programmable objects, emptying a clone for a fresh copy, and loading one
 * table's rows; shared by every method. Definitions come from mysqldump, which writes foreign keys, CHECK
 * constraints and AUTO_INCREMENT exactly (`CREATE TABLE ... LIKE` would drop the foreign keys).
 */
import type { SchemaInventory } from "./inventory";
import { MARK_TABLE } from "./mark";
import type { RemoteMysql } from "./remote-mysql";
import type { RemoteStep } from "./remote-steps";
import { quoteIdentifier, qualified } from "./sql";

/** `--ignore-table` for the source's own clone mark, which is never copied. */
export function ignoreMark(source: string): string {
  return `--ignore-table=${source}.${MARK_TABLE}`;
}

/** A step creating every table (empty) and every view of `source` in `target`; triggers come later, after the rows. */
export function copyTableDefinitionsStep(mysql: RemoteMysql, source: string, target: string): RemoteStep {
  return mysql.dumpStep(
    ["--no-data", "--skip-triggers", "--single-transaction", ignoreMark(source), source],
    target,
    `Copying table and view definitions of \`${source}\` into \`${target}\``,
  );
}

/**
 * The step copying triggers, routines and events (none when there are none). Run after the rows are in: a trigger
 * created earlier would fire for every loaded row. `--events` is only passed when there are events, because it needs
 * the EVENT privilege.
 */
export function copyProgrammableObjectsStep(
  mysql: RemoteMysql,
  inventory: SchemaInventory,
  target: string,
): RemoteStep[] {
  if (inventory.triggers.length === 0 && inventory.routines.length === 0 && inventory.events.length === 0) return [];
  const source = inventory.name;
  return [
    mysql.dumpStep(
      [
        "--no-data",
        "--no-create-info",
        // Also means no LOCK TABLES, which an account without that privilege could not take.
        "--single-transaction",
        "--triggers",
        "--routines",
        ...(inventory.events.length > 0 ? ["--events"] : []),
        ignoreMark(source),
        source,
      ],
      target,
      `Copying triggers, routines and events of \`${source}\` into \`${target}\``,
    ),
  ];
}

/** Loads one table's rows with its own consistent read. */
export async function loadTableRows(mysql: RemoteMysql, source: string, target: string, table: string): Promise<void> {
  await mysql.pipeDump(
    ["--single-transaction", "--quick", "--no-create-info", "--skip-triggers", source, table],
    target,
    `Copying the rows of \`${source}\`.\`${table}\` into \`${target}\``,
  );
}

/** Loads several tables' rows, `parallelism` at a time, largest first so the longest load starts earliest. */
export async function loadTablesInParallel(
  mysql: RemoteMysql,
  source: string,
  target: string,
  tables: readonly { name: string; bytes: number }[],
  parallelism: number,
): Promise<void> {
  const queue = [...tables].sort((a, b) => b.bytes - a.bytes).map((t) => t.name);
  let failure: unknown = undefined;
  const worker = async (): Promise<void> => {
    for (let table = queue.shift(); table !== undefined && failure === undefined; table = queue.shift()) {
      try {
        await loadTableRows(mysql, source, target, table);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, queue.length)) }, worker));
  if (failure !== undefined) throw failure;
}

/**
 * `tables` with every table that references another (by a foreign key within the schema) before the tables it
 * references. After an IMPORT failed on a corrupt tablespace, MariaDB 10.11 makes a DROP of a referenced table wait
 * for a lock (until the server restarts) while a still-discarded table references it; dropping that table first
 * does not wait.
 */
export function referencingTablesFirst(
  tables: readonly string[],
  foreignKeys: SchemaInventory["foreignKeys"],
  schema: string,
): string[] {
  const referencedBy = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const fk of foreignKeys) {
    if (fk.referencedSchema === schema && fk.table !== fk.referencedTable)
      referencedBy.get(fk.referencedTable)?.add(fk.table);
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  const place = (table: string, path: Set<string>): void => {
    if (placed.has(table) || path.has(table)) return; // a cycle is dropped in listing order
    path.add(table);
    for (const child of referencedBy.get(table) ?? []) place(child, path);
    path.delete(table);
    placed.add(table);
    ordered.push(table);
  };
  for (const table of tables) place(table, new Set());
  return ordered;
}

/**
 * SQL dropping everything in `target` but its clone mark, so a fresh clone starts from nothing. Only ever run once the
 * guards established that the target is this owner's clone.
 */
export function emptySchemaSql(inventory: SchemaInventory): string {
  const target = inventory.name;
  const tables = inventory.tables.map((t) => t.name).filter((name) => name !== MARK_TABLE);
  return [
    "SET SESSION foreign_key_checks = 0;",
    ...inventory.views.map((view) => `DROP VIEW IF EXISTS ${qualified(target, view)};`),
    ...referencingTablesFirst(tables, inventory.foreignKeys, target).map(
      (name) => `DROP TABLE IF EXISTS ${qualified(target, name)};`,
    ),
    ...inventory.routines.map(
      (r) => `DROP ${r.type === "FUNCTION" ? "FUNCTION" : "PROCEDURE"} IF EXISTS ${qualified(target, r.name)};`,
    ),
    ...inventory.events.map((event) => `DROP EVENT IF EXISTS ${qualified(target, event)};`),
    "SET SESSION foreign_key_checks = 1;",
  ].join("\n");
}

/** The statement creating `target` with the source's character set and collation. */
export function createDatabaseSql(target: string, like: SchemaInventory): string {
  const word = /^[A-Za-z0-9_]+$/;
  const options =
    word.test(like.charset) && word.test(like.collation)
      ? ` CHARACTER SET ${like.charset} COLLATE ${like.collation}`
      : "";
  return `CREATE DATABASE ${quoteIdentifier(target)}${options};`;
}

/** Creates `target` with the source's character set and collation. */
export async function createDatabase(mysql: RemoteMysql, target: string, like: SchemaInventory): Promise<void> {
  await mysql.execute(createDatabaseSql(target, like), { step: `Creating database \`${target}\`` });
}
