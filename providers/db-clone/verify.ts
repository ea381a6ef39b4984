/**
 * Proves a clone equals its source: the same tables, row counts and (optionally) `CHECKSUM TABLE` values; the same
 * views, triggers, routines and events; foreign keys and views that point into the clone, not back at the source.
 * A dump by an account that cannot read a routine's body silently leaves the routine out, so objects are always
 * compared.
 */
import { RemoteCommandError, type VerificationProblem } from "./errors";
import { type SchemaInventory, type TableInfo, inventorySql, parseInventory } from "./inventory";
import type { RemoteMysql } from "./remote-mysql";
import { balanceTables } from "./datadir-files";
import type { RemoteStep } from "./remote-steps";
import { parseBatchRows, parseCount, qualified, sqlString } from "./sql";
import type { TableResult, VerifyLevel } from "./types";

export interface Verification {
  tables: TableResult[];
  problems: VerificationProblem[];
}

function compareNames(kind: string, source: readonly string[], clone: readonly string[]): VerificationProblem[] {
  const inClone = new Set(clone);
  const inSource = new Set(source);
  return [
    ...source
      .filter((name) => !inClone.has(name))
      .map((name) => ({ object: `${kind} ${name}`, detail: "missing from the clone" })),
    ...clone
      .filter((name) => !inSource.has(name))
      .map((name) => ({ object: `${kind} ${name}`, detail: "in the clone but not in the source" })),
  ];
}

/** Objects of both schemas, compared by name and (triggers, routines) by what they are attached to. */
export function compareObjects(source: SchemaInventory, clone: SchemaInventory): VerificationProblem[] {
  const triggerKey = (t: SchemaInventory["triggers"][number]): string =>
    `${t.name} (${t.timing} ${t.event} on ${t.table})`;
  const routineKey = (r: SchemaInventory["routines"][number]): string => `${r.type.toLowerCase()} ${r.name}`;
  const expectedFk = (fk: SchemaInventory["foreignKeys"][number]): string =>
    `${fk.table}.${fk.name} -> ${fk.referencedSchema === source.name ? clone.name : fk.referencedSchema}.${fk.referencedTable}`;
  const actualFk = (fk: SchemaInventory["foreignKeys"][number]): string =>
    `${fk.table}.${fk.name} -> ${fk.referencedSchema}.${fk.referencedTable}`;
  return [
    ...compareNames(
      "table",
      source.tables.map((t) => t.name),
      clone.tables.map((t) => t.name),
    ),
    ...compareNames("view", source.views, clone.views),
    ...compareNames("trigger", source.triggers.map(triggerKey), clone.triggers.map(triggerKey)),
    ...compareNames("routine", source.routines.map(routineKey), clone.routines.map(routineKey)),
    ...compareNames("event", source.events, clone.events),
    ...compareNames("foreign key", source.foreignKeys.map(expectedFk), clone.foreignKeys.map(actualFk)),
  ];
}

export async function countRows(
  mysql: RemoteMysql,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const sql = `${tables.map((t) => `SELECT ${sqlString(t)}, COUNT(*) FROM ${qualified(schema, t)}`).join("\nUNION ALL ")};`;
  const rows = await mysql.query(sql, { step: `Counting the rows of \`${schema}\``, database: schema });
  return new Map(rows.map(([name = "", count]) => [name, parseCount(count, `COUNT(*) of \`${schema}\`.\`${name}\``)]));
}

/** Lists the views of the clone whose definition still names the source schema (they would read the master's rows). */
function viewsReadingSourceSql(source: string, clone: string): string {
  return (
    `SELECT 'VS', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${sqlString(clone)} ` +
    `AND LOCATE(${sqlString(`\`${source}\`.`)}, VIEW_DEFINITION) > 0 ORDER BY TABLE_NAME;`
  );
}

interface Measured {
  source: SchemaMeasure;
  clone: SchemaMeasure;
}

/** One schema's row counts (rows tagged `C`) and, for `checksum`, its CHECKSUM TABLE rows, in one mysql session. */
export function measureSql(schema: string, tables: readonly string[], counts: boolean, checksums: boolean): string {
  const statements: string[] = [];
  if (counts && tables.length > 0) {
    statements.push(
      `${tables.map((t) => `SELECT 'C', ${sqlString(t)}, COUNT(*) FROM ${qualified(schema, t)}`).join("\nUNION ALL ")};`,
    );
  }
  if (checksums && tables.length > 0)
    statements.push(`CHECKSUM TABLE ${tables.map((t) => qualified(schema, t)).join(", ")};`);
  return statements.join("\n");
}

function parseMeasured(rows: readonly string[][], schema: string): SchemaMeasure {
  const prefix = `${schema}.`;
  const counts = new Map<string, number>();
  const sums = new Map<string, string>();
  for (const row of rows) {
    if (row.length === 3 && row[0] === "C") {
      const name = row[1] ?? "";
      counts.set(name, parseCount(row[2], `COUNT(*) of \`${schema}\`.\`${name}\``));
    } else if (row.length === 2) {
      const name = row[0] ?? "";
      sums.set(name.startsWith(prefix) ? name.slice(prefix.length) : name, row[1] ?? "NULL");
    }
  }
  return { counts, sums };
}

/** Row counts and CHECKSUM TABLE values of one schema's tables, as measured. */
export interface SchemaMeasure {
  counts: Map<string, number>;
  sums: Map<string, string>;
}

/** Sessions measuring one side at once: two keep both cores and the disk queue busy on a 2-core server. */
const MEASURE_STREAMS = 2;

/**
 * The steps measuring `schema`'s `tables` for `level` in parallel sessions, balanced by what dominates: bytes for
 * CHECKSUM TABLE (it reads every row), estimated rows for COUNT(*) (it walks the smallest index). The clone is always
 * counted (its rows are reported); the source not at all for `objects`.
 */
function measureSteps(
  mysql: RemoteMysql,
  schema: string,
  tables: readonly TableInfo[],
  level: VerifyLevel,
  side: "source" | "clone",
): RemoteStep[] {
  const counts = side === "clone" || level !== "objects";
  const checksums = level === "checksum";
  if (!counts && !checksums) return [];
  const weight = checksums ? (t: TableInfo) => t.bytes : (t: TableInfo) => t.estimatedRows;
  return balanceTables(tables, MEASURE_STREAMS, weight).map((names, i, all) =>
    mysql.sqlStep(measureSql(schema, names, counts, checksums), {
      step: `Measuring the rows of \`${schema}\`${all.length > 1 ? ` (part ${i + 1} of ${all.length})` : ""}`,
      output: true,
    }),
  );
}

/** The measure of `schema` from the outputs of sessions running {@link measureSql}. */
export function readMeasures(outputs: readonly (string | undefined)[], schema: string): SchemaMeasure {
  const merged: SchemaMeasure = { counts: new Map(), sums: new Map() };
  for (const output of outputs) {
    const { counts, sums } = parseMeasured(parseBatchRows(output ?? ""), schema);
    for (const [name, count] of counts) merged.counts.set(name, count);
    for (const [name, sum] of sums) merged.sums.set(name, sum);
  }
  return merged;
}

/**
 * Steps measuring the source for `level`, to run alongside other work (the transport measures its source while the
 * target imports); read their outputs with {@link readSourceMeasure}.
 */
export function sourceMeasureSteps(mysql: RemoteMysql, source: SchemaInventory, level: VerifyLevel): RemoteStep[] {
  return measureSteps(mysql, source.name, source.tables, level, "source");
}

/** What a copy method already measured, each side null when it did not. */
export interface PriorMeasures {
  source: SchemaMeasure | null;
  clone: SchemaMeasure | null;
  /** Names the source's side in differences when it is not the source as measured now ("the seal of `m`"). */
  sourceLabel?: string;
}

const NOTHING_MEASURED: PriorMeasures = { source: null, clone: null };

/**
 * The steps measuring `tables` on both sides, side by side (each side only when not measured already), and how to
 * read their outputs.
 */
function measurePlan(
  mysql: RemoteMysql,
  source: SchemaInventory,
  cloneName: string,
  tables: readonly TableInfo[],
  level: VerifyLevel,
  prior: PriorMeasures,
): { steps: RemoteStep[]; read: (outputs: readonly (string | undefined)[]) => Measured } {
  const sourceSteps = prior.source === null ? measureSteps(mysql, source.name, tables, level, "source") : [];
  const cloneSteps = prior.clone === null ? measureSteps(mysql, cloneName, tables, level, "clone") : [];
  return {
    steps: [...sourceSteps, ...cloneSteps],
    read: (outputs) => ({
      source: prior.source ?? readMeasures(outputs.slice(0, sourceSteps.length), source.name),
      clone: prior.clone ?? readMeasures(outputs.slice(sourceSteps.length), cloneName),
    }),
  };
}

/**
 * Reads the clone's inventory and measures the clone (and the source, unless already measured) in one round trip,
 * every part side by side. The clone is measured by the source's table names; null when that failed (a table
 * missing from the clone), and the caller takes the slower path that measures only the tables both have.
 */
async function inventoryAndMeasure(
  mysql: RemoteMysql,
  source: SchemaInventory,
  cloneName: string,
  level: VerifyLevel,
  prior: PriorMeasures,
): Promise<{ rows: string[][]; measured: Measured } | null> {
  const inventory = mysql.sqlStep(`${inventorySql(cloneName)}\n${viewsReadingSourceSql(source.name, cloneName)}`, {
    step: `Listing the objects of the clone \`${cloneName}\``,
    output: true,
  });
  const plan = measurePlan(mysql, source, cloneName, source.tables, level, prior);
  let outputs: (string | undefined)[];
  try {
    outputs = await mysql.runSteps([[inventory, ...plan.steps]]);
  } catch (error) {
    if (error instanceof RemoteCommandError) return null;
    throw error;
  }
  const [inventoryOut = "", ...measuredOut] = outputs;
  return { rows: parseBatchRows(inventoryOut), measured: plan.read(measuredOut) };
}

/** The slow path: inventory first, then measures of only the tables both schemas have. */
async function inventoryThenMeasure(
  mysql: RemoteMysql,
  source: SchemaInventory,
  cloneName: string,
  level: VerifyLevel,
  prior: PriorMeasures,
): Promise<{ rows: string[][]; measured: Measured }> {
  const rows = await mysql.query(`${inventorySql(cloneName)}\n${viewsReadingSourceSql(source.name, cloneName)}`, {
    step: `Listing the objects of the clone \`${cloneName}\``,
  });
  const cloneTables = new Set(parseInventory(rows, cloneName)?.tables.map((t) => t.name) ?? []);
  const plan = measurePlan(
    mysql,
    source,
    cloneName,
    source.tables.filter((t) => cloneTables.has(t.name)),
    level,
    prior,
  );
  return { rows, measured: plan.read(plan.steps.length === 0 ? [] : await mysql.runSteps([plan.steps])) };
}

/**
 * Compares `clone` with `source`; `copiedBy` says how each table travelled (for the report). `prior` holds what the
 * copy method already measured (the source from a master's seal or beside the import, the clone as it imported);
 * a side it did not measure is measured here.
 */
export async function verifyClone(
  mysql: RemoteMysql,
  source: SchemaInventory,
  cloneName: string,
  level: VerifyLevel,
  copiedBy: (table: string) => TableResult["copiedBy"],
  prior: PriorMeasures = NOTHING_MEASURED,
): Promise<Verification> {
  const { rows, measured } =
    (await inventoryAndMeasure(mysql, source, cloneName, level, prior)) ??
    (await inventoryThenMeasure(mysql, source, cloneName, level, prior));
  const clone = parseInventory(rows, cloneName);
  if (clone === null)
    return {
      tables: [],
      problems: [{ object: null, detail: `database \`${cloneName}\` disappeared during the clone` }],
    };
  const viewsReadingSource = rows
    .filter((row) => row[0] === "VS")
    .map(([, name = ""]) => ({
      object: `view ${name}`,
      detail: `reads from the source \`${source.name}\` instead of the clone`,
    }));
  const problems = [...compareObjects(source, clone), ...viewsReadingSource];
  const cloneTables = new Set(clone.tables.map((t) => t.name));
  const common = source.tables.map((t) => t.name).filter((name) => cloneTables.has(name));
  const compareData = level !== "objects";
  const { counts: sourceCounts, sums: sourceSums } = measured.source;
  const inSource =
    prior.sourceLabel === undefined || prior.source === null ? "in the source" : `in ${prior.sourceLabel}`;
  const { counts: cloneCounts, sums: cloneSums } = measured.clone;
  const tables: TableResult[] = common.map((name) => {
    const rows = cloneCounts.get(name) ?? 0;
    if (compareData && sourceCounts.get(name) !== rows) {
      problems.push({
        object: name,
        detail: `${sourceCounts.get(name) ?? "?"} rows ${inSource}, ${rows} in the clone`,
      });
    } else if (level === "checksum") {
      const expected = sourceSums.get(name);
      const actual = cloneSums.get(name);
      if (expected === undefined || expected === "NULL" || expected !== actual) {
        problems.push({
          object: name,
          detail: `CHECKSUM TABLE ${expected ?? "?"} ${inSource}, ${actual ?? "?"} in the clone`,
        });
      }
    }
    return {
      name,
      rows,
      checksum: level === "checksum" ? (cloneSums.get(name) ?? null) : null,
      copiedBy: copiedBy(name),
    };
  });
  return { tables, problems };
}
