/**
 * What a schema holds, read from information_schema in one round trip: tables (with what decides whether their file
 * can be transported), views, triggers, routines, events and foreign keys. The clone mark table is reported apart
 * and never listed as a table: it is never copied or compared.
 */
import { MARK_TABLE } from "./mark";
import type { RemoteMysql } from "./remote-mysql";
import { parseCount, sqlString } from "./sql";

export interface TableInfo {
  name: string;
  /** `BASE TABLE`, or MariaDB's `SYSTEM VERSIONED` / `SEQUENCE`. */
  type: string;
  engine: string | null;
  /** DATA_LENGTH + INDEX_LENGTH as the server estimates them. */
  bytes: number;
  /** TABLE_ROWS: the server's estimate (exact for MyISAM), which is what a COUNT(*) costs. */
  estimatedRows: number;
  createOptions: string;
  /** Unix seconds of CREATE_TIME, or null when the engine does not track it. */
  createdAt: number | null;
  hasFulltext: boolean;
  partitioned: boolean;
}

export interface TriggerInfo {
  name: string;
  table: string;
  event: string;
  timing: string;
}

export interface ForeignKeyInfo {
  name: string;
  table: string;
  referencedSchema: string;
  referencedTable: string;
}

export interface SchemaInventory {
  name: string;
  charset: string;
  collation: string;
  tables: TableInfo[];
  hasMark: boolean;
  /** The mark table has the `seal` column (marks made before seals existed do not). */
  markHasSeal: boolean;
  views: string[];
  triggers: TriggerInfo[];
  routines: { name: string; type: string }[];
  events: string[];
  foreignKeys: ForeignKeyInfo[];
}

/** Statements listing `schema`'s objects; every row starts with a kind letter and the schema's name. */
export function inventorySql(schema: string): string {
  const s = sqlString(schema);
  return [
    `SELECT 'S', ${s}, SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${s};`,
    `SELECT 'T', ${s}, TABLE_NAME, TABLE_TYPE, COALESCE(ENGINE, ''), COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0), ` +
      `COALESCE(CREATE_OPTIONS, ''), COALESCE(UNIX_TIMESTAMP(CREATE_TIME), ''), COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${s} ORDER BY TABLE_NAME;`,
    `SELECT DISTINCT 'F', ${s}, TABLE_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${s} AND INDEX_TYPE = 'FULLTEXT';`,
    `SELECT DISTINCT 'P', ${s}, TABLE_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ${s} AND PARTITION_NAME IS NOT NULL;`,
    `SELECT 'G', ${s}, TRIGGER_NAME, EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING FROM information_schema.TRIGGERS ` +
      `WHERE TRIGGER_SCHEMA = ${s} ORDER BY TRIGGER_NAME;`,
    `SELECT 'R', ${s}, ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${s} ORDER BY ROUTINE_TYPE, ROUTINE_NAME;`,
    `SELECT 'E', ${s}, EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ${s} ORDER BY EVENT_NAME;`,
    `SELECT 'M', ${s}, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${s} AND TABLE_NAME = ${sqlString(MARK_TABLE)} AND COLUMN_NAME = 'seal';`,
    `SELECT 'K', ${s}, CONSTRAINT_NAME, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS ` +
      `WHERE CONSTRAINT_SCHEMA = ${s} ORDER BY TABLE_NAME, CONSTRAINT_NAME;`,
  ].join("\n");
}

/** Reads `schema`'s inventory, or null when no such database exists. */
export async function readInventory(mysql: RemoteMysql, schema: string): Promise<SchemaInventory | null> {
  const rows = await mysql.query(inventorySql(schema), { step: `Listing the objects of database \`${schema}\`` });
  return parseInventory(rows, schema);
}

/** The inventory of `schema` from rows of {@link inventorySql} (possibly mixed with other rows), or null if it is missing. */
export function parseInventory(rows: readonly string[][], schema: string): SchemaInventory | null {
  const of = (kind: string): string[][] =>
    rows.filter((row) => row[0] === kind && row[1] === schema).map((row) => row.slice(2));
  const [found] = of("S");
  if (found === undefined) return null;
  const fulltext = new Set(of("F").map(([name]) => name ?? ""));
  const partitioned = new Set(of("P").map(([name]) => name ?? ""));
  const all = of("T").map(
    ([name = "", type = "", engine = "", bytes, createOptions = "", createdAt = "", estimatedRows = "0"]) => ({
      name,
      type,
      engine: engine === "" ? null : engine,
      bytes: parseCount(bytes, `the size of table \`${name}\``),
      estimatedRows: parseCount(estimatedRows, `the estimated rows of table \`${name}\``),
      createOptions,
      createdAt: createdAt === "" || createdAt === "NULL" ? null : Math.floor(Number(createdAt)),
      hasFulltext: fulltext.has(name),
      partitioned: partitioned.has(name),
    }),
  );
  return {
    name: schema,
    charset: found[1] ?? "utf8mb4",
    collation: found[2] ?? "utf8mb4_unicode_ci",
    tables: all.filter((table) => table.type !== "VIEW" && table.name !== MARK_TABLE),
    hasMark: all.some((table) => table.name === MARK_TABLE && table.type !== "VIEW"),
    markHasSeal: of("M").length > 0,
    views: all.filter((table) => table.type === "VIEW").map((table) => table.name),
    triggers: of("G").map(([name = "", table = "", event = "", timing = ""]) => ({ name, table, event, timing })),
    routines: of("R").map(([name = "", type = ""]) => ({ name, type })),
    events: of("E").map(([name = ""]) => name),
    foreignKeys: of("K").map(([name = "", table = "", referencedSchema = "", referencedTable = ""]) => ({
      name,
      table,
      referencedSchema,
      referencedTable,
    })),
  };
}

/** Every object name of a schema except the mark, for messages ("holds 3 tables: a, b, c"). */
export function describeContents(inventory: SchemaInventory, limit = 5): string {
  const names = [
    ...inventory.tables.map((t) => t.name),
    ...inventory.views,
    ...inventory.routines.map((r) => r.name),
    ...inventory.events,
  ];
  const shown = names
    .slice(0, limit)
    .map((n) => `\`${n}\``)
    .join(", ");
  return `${names.length} object${names.length === 1 ? "" : "s"} (${shown}${names.length > limit ? ", …" : ""})`;
}

/** True when the schema holds nothing but (possibly) the clone mark. */
export function isEmptySchema(inventory: SchemaInventory): boolean {
  return (
    inventory.tables.length === 0 &&
    inventory.views.length === 0 &&
    inventory.routines.length === 0 &&
    inventory.events.length === 0
  );
}
