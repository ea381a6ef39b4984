/**
 * Proves a clone equals its source: the same tables, row counts and (optionally) `CHECKSUM TABLE` values; the same
 * views, triggers, routines and events; foreign keys and views that point into the clone, not back at the source.
 * A dump by an account that cannot read a routine's body silently leaves the routine out, so objects are always
 * compared.
 */
import type { VerificationProblem } from "./errors";
import { type SchemaInventory, inventorySql, parseInventory } from "./inventory";
import type { RemoteMysql } from "./remote-mysql";
import { parseCount, qualified, sqlString } from "./sql";
import type { TableResult, VerifyLevel } from "./types";

export interface Verification {
  tables: TableResult[];
  problems: VerificationProblem[];
}

function compareNames(kind: string, source: readonly string[], clone: readonly string[]): VerificationProblem[] {
  const inClone = new Set(clone);
  const inSource = new Set(source);
  return [
    ...source.filter((name) => !inClone.has(name)).map((name) => ({ object: `${kind} ${name}`, detail: "missing from the clone" })),
    ...clone.filter((name) => !inSource.has(name)).map((name) => ({ object: `${kind} ${name}`, detail: "in the clone but not in the source" })),
  ];
}

/** Objects of both schemas, compared by name and (triggers, routines) by what they are attached to. */
export function compareObjects(source: SchemaInventory, clone: SchemaInventory): VerificationProblem[] {
  const triggerKey = (t: SchemaInventory["triggers"][number]): string => `${t.name} (${t.timing} ${t.event} on ${t.table})`;
  const routineKey = (r: SchemaInventory["routines"][number]): string => `${r.type.toLowerCase()} ${r.name}`;
  const expectedFk = (fk: SchemaInventory["foreignKeys"][number]): string =>
    `${fk.table}.${fk.name} -> ${fk.referencedSchema === source.name ? clone.name : fk.referencedSchema}.${fk.referencedTable}`;
  const actualFk = (fk: SchemaInventory["foreignKeys"][number]): string => `${fk.table}.${fk.name} -> ${fk.referencedSchema}.${fk.referencedTable}`;
  return [
    ...compareNames("table", source.tables.map((t) => t.name), clone.tables.map((t) => t.name)),
    ...compareNames("view", source.views, clone.views),
    ...compareNames("trigger", source.triggers.map(triggerKey), clone.triggers.map(triggerKey)),
    ...compareNames("routine", source.routines.map(routineKey), clone.routines.map(routineKey)),
    ...compareNames("event", source.events, clone.events),
    ...compareNames("foreign key", source.foreignKeys.map(expectedFk), clone.foreignKeys.map(actualFk)),
  ];
}

export async function countRows(mysql: RemoteMysql, schema: string, tables: readonly string[]): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const sql = `${tables.map((t) => `SELECT ${sqlString(t)}, COUNT(*) FROM ${qualified(schema, t)}`).join("\nUNION ALL ")};`;
  const rows = await mysql.query(sql, { step: `Counting the rows of \`${schema}\``, database: schema });
  return new Map(rows.map(([name = "", count]) => [name, parseCount(count, `COUNT(*) of \`${schema}\`.\`${name}\``)]));
}

async function checksumTables(mysql: RemoteMysql, schema: string, tables: readonly string[]): Promise<Map<string, string>> {
  if (tables.length === 0) return new Map();
  const rows = await mysql.query(`CHECKSUM TABLE ${tables.map((t) => qualified(schema, t)).join(", ")};`, {
    step: `Computing CHECKSUM TABLE over \`${schema}\``,
  });
  const prefix = `${schema}.`;
  return new Map(rows.map(([name = "", checksum = "NULL"]) => [name.startsWith(prefix) ? name.slice(prefix.length) : name, checksum]));
}

/** Lists the views of the clone whose definition still names the source schema (they would read the master's rows). */
function viewsReadingSourceSql(source: string, clone: string): string {
  return (
    `SELECT 'VS', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${sqlString(clone)} ` +
    `AND LOCATE(${sqlString(`\`${source}\`.`)}, VIEW_DEFINITION) > 0 ORDER BY TABLE_NAME;`
  );
}

/** Compares `clone` with `source`; `copiedBy` says how each table travelled (for the report). */
export async function verifyClone(
  mysql: RemoteMysql,
  source: SchemaInventory,
  cloneName: string,
  level: VerifyLevel,
  copiedBy: (table: string) => TableResult["copiedBy"],
): Promise<Verification> {
  const rows = await mysql.query(`${inventorySql(cloneName)}\n${viewsReadingSourceSql(source.name, cloneName)}`, {
    step: `Listing the objects of the clone \`${cloneName}\``,
  });
  const clone = parseInventory(rows, cloneName);
  if (clone === null) return { tables: [], problems: [{ object: null, detail: `database \`${cloneName}\` disappeared during the clone` }] };
  const viewsReadingSource = rows
    .filter((row) => row[0] === "VS")
    .map(([, name = ""]) => ({ object: `view ${name}`, detail: `reads from the source \`${source.name}\` instead of the clone` }));
  const problems = [...compareObjects(source, clone), ...viewsReadingSource];
  const cloneTables = new Set(clone.tables.map((t) => t.name));
  const common = source.tables.map((t) => t.name).filter((name) => cloneTables.has(name));
  const compareData = level !== "objects";
  const [sourceCounts, cloneCounts, sourceSums, cloneSums] = await Promise.all([
    compareData ? countRows(mysql, source.name, common) : Promise.resolve(new Map<string, number>()),
    countRows(mysql, cloneName, common),
    level === "checksum" ? checksumTables(mysql, source.name, common) : Promise.resolve(new Map<string, string>()),
    level === "checksum" ? checksumTables(mysql, cloneName, common) : Promise.resolve(new Map<string, string>()),
  ]);
  const tables: TableResult[] = common.map((name) => {
    const rows = cloneCounts.get(name) ?? 0;
    if (compareData && sourceCounts.get(name) !== rows) {
      problems.push({ object: name, detail: `${sourceCounts.get(name) ?? "?"} rows in the source, ${rows} in the clone` });
    } else if (level === "checksum") {
      const expected = sourceSums.get(name);
      const actual = cloneSums.get(name);
      if (expected === undefined || expected === "NULL" || expected !== actual) {
        problems.push({ object: name, detail: `CHECKSUM TABLE ${expected ?? "?"} in the source, ${actual ?? "?"} in the clone` });
      }
    }
    return { name, rows, checksum: level === "checksum" ? (cloneSums.get(name) ?? null) : null, copiedBy: copiedBy(name) };
  });
  return { tables, problems };
}
