/**
 * `parallel-dump`: definitions first, then the rows, then triggers, routines and events. Source and target are on the
 * same server and read with the same account, so the rows never leave it: each table is copied by one
 * `INSERT INTO target.t (columns) SELECT columns FROM source.t`, `parallelism` mysql sessions at a time (largest
 * tables first). No client formats or parses a row. Each table is read at its own moment, so the source must not
 * change meanwhile: fine for a snapshot master, wrong for production (chooseMethod refuses it for a live source).
 */
import { balanceTables } from "./datadir-files";
import type { SchemaInventory, TableInfo } from "./inventory";
import type { MethodContext } from "./method-context";
import type { RemoteMysql } from "./remote-mysql";
import type { RemoteStep } from "./remote-steps";
import { copyProgrammableObjectsStep, copyTableDefinitionsStep, loadTablesInParallel } from "./schema-objects";
import { parseBatchRows, qualified, quoteIdentifier, sqlString } from "./sql";

/**
 * Why `INSERT ... SELECT` cannot copy this table's rows exactly, or null when it can. A system-versioned table's
 * history rows and row times, and a sequence's state, are not plain columns; mysqldump writes them as they are.
 */
export function insertSelectBlocker(table: Pick<TableInfo, "type">): string | null {
  if (table.type !== "BASE TABLE") return `it is a ${table.type.toLowerCase()} table`;
  return null;
}

/**
 * The settings a mysqldump file sets before its rows, for the same reasons: `NO_AUTO_VALUE_ON_ZERO` keeps an id 0 as
 * 0, a sql_mode without strictness takes old zero dates as they are, UTC keeps every TIMESTAMP's instant, and the
 * checks are off because the source already satisfied them (MariaDB also skips its CHECK constraints).
 */
export function copySessionSql(flavor: "mariadb" | "mysql"): string {
  const checks = flavor === "mariadb" ? ", check_constraint_checks = 0" : "";
  return `SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00', foreign_key_checks = 0${checks};`;
}

/** Average row length (bytes with indexes) below which a table is copied through InnoDB's bulk path. */
export const BULK_PATH_MAX_ROW_BYTES = 512;

/**
 * Whether to turn unique checks off for this table. On MariaDB ≥ 10.6 an INSERT into an empty table with unique and
 * foreign-key checks off takes InnoDB's bulk path: every row goes through a sort file and the indexes are built from
 * sorted runs. That halves the time of tables of many short rows with secondary indexes (order_items: 4.5 s against
 * 9-10 s for 1.2 M rows), but costs long rows more than it saves (audit_log's 1 KB JSON rows: 3.4 s against 1.9 s).
 */
export function wantsBulkPath(table: Pick<TableInfo, "bytes" | "estimatedRows">): boolean {
  return table.bytes < BULK_PATH_MAX_ROW_BYTES * Math.max(1, table.estimatedRows);
}

/** Lists the source's columns that hold data (generated columns are computed again by the target). */
function storedColumnsStep(mysql: RemoteMysql, source: string): RemoteStep {
  return mysql.sqlStep(
    "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS " +
      `WHERE TABLE_SCHEMA = ${sqlString(source)} AND COALESCE(GENERATION_EXPRESSION, '') = '' ` +
      "ORDER BY TABLE_NAME, ORDINAL_POSITION;",
    { step: `Listing the columns of \`${source}\``, output: true },
  );
}

function parseColumns(output: string | undefined): Map<string, string[]> {
  const columns = new Map<string, string[]>();
  for (const [table = "", column = ""] of parseBatchRows(output ?? "")) {
    columns.set(table, [...(columns.get(table) ?? []), column]);
  }
  return columns;
}

/** The statement copying one table's rows. */
export function insertSelectSql(source: string, target: string, table: string, columns: readonly string[]): string {
  const list = columns.map(quoteIdentifier).join(", ");
  return `INSERT INTO ${qualified(target, table)} (${list}) SELECT ${list} FROM ${qualified(source, table)};`;
}

/**
 * One step per lane: a mysql session copying its tables one after another; the lanes, balanced by bytes (largest
 * first onto the lightest), run at the same time.
 */
function insertSelectSteps(
  ctx: Pick<MethodContext, "mysql" | "facts" | "target">,
  source: SchemaInventory,
  tables: readonly TableInfo[],
  columns: ReadonlyMap<string, readonly string[]>,
  parallelism: number,
): RemoteStep[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  return balanceTables(tables, parallelism, (t) => t.bytes).map((names) => {
    const lane = names.map((name) => byName.get(name) as TableInfo);
    const statements = lane.map((table) => {
      const list = columns.get(table.name);
      if (list === undefined || list.length === 0)
        throw new Error(`\`${source.name}\`.\`${table.name}\` has no stored columns listed; did it change meanwhile?`);
      const uniqueChecks = `SET SESSION unique_checks = ${wantsBulkPath(table) ? 0 : 1};`;
      return `${uniqueChecks}\n${insertSelectSql(source.name, ctx.target, table.name, list)}`;
    });
    return ctx.mysql.sqlStep([copySessionSql(ctx.facts.flavor), ...statements].join("\n"), {
      step: `Copying the rows of ${lane.map((t) => `\`${t.name}\``).join(", ")} from \`${source.name}\``,
      write: true,
    });
  });
}

export async function cloneByParallelDump(ctx: MethodContext): Promise<null> {
  const { mysql, source, target } = ctx;
  const [direct, dumped] = partition(source.tables, (t) => insertSelectBlocker(t) === null);
  const outputs = await mysql.runSteps([
    ...ctx.prepare,
    copyTableDefinitionsStep(mysql, source.name, target),
    storedColumnsStep(mysql, source.name),
  ]);
  const columns = parseColumns(outputs[outputs.length - 1]);
  if (direct.length > 0) {
    ctx.log(`copying the rows of ${direct.length} tables inside the server, ${ctx.parallelism} at a time`);
    await mysql.runSteps([insertSelectSteps(ctx, source, direct, columns, ctx.parallelism)]);
  }
  if (dumped.length > 0) {
    const why = dumped.map((t) => `\`${t.name}\`: ${insertSelectBlocker(t) ?? ""}`).join("; ");
    ctx.log(`loading ${dumped.length} tables through mysqldump (${why})`);
    await loadTablesInParallel(mysql, source.name, target, dumped, ctx.parallelism);
  }
  await ctx.afterCopy();
  const objects = copyProgrammableObjectsStep(mysql, source, target);
  if (objects.length > 0) await mysql.runSteps(objects);
  return null;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
