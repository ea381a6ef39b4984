/**
 * SQL text helpers. Identifiers are always backtick-quoted; arbitrary strings travel as hex literals, which mean the
 * same under every `sql_mode` (NO_BACKSLASH_ESCAPES changes what a backslash in a quoted string means).
 */

/** Database names the engine accepts as source or target: they are also the datadir's directory names unchanged. */
export const PLAIN_NAME = /^[A-Za-z0-9_]{1,64}$/;

/** Schemas of the server itself; never a source or a target. */
export const SYSTEM_SCHEMAS: readonly string[] = ["mysql", "information_schema", "performance_schema", "sys"];

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** A utf8mb4 string literal for any text. */
export function sqlString(value: string): string {
  return `_utf8mb4 X'${Buffer.from(value, "utf8").toString("hex")}'`;
}

/** Undoes the escaping of `mysql --batch` (without --raw): `\\`, `\t`, `\n`, `\0`. */
function unescapeBatchField(field: string): string {
  return field.replace(/\\(.)/g, (_match, char: string) => {
    switch (char) {
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "0":
        return "\0";
      default:
        return char;
    }
  });
}

/** Rows of `mysql --batch --skip-column-names` output. */
export function parseBatchRows(stdout: string): string[][] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t").map(unescapeBatchField));
}

/** Parses a non-negative integer column, naming the column when it is not one. */
export function parseCount(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new Error(`expected a whole number for ${what}, the server returned ${JSON.stringify(value ?? null)}`);
  }
  return Number(value);
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (as UTC_TIMESTAMP prints it) to ISO 8601, or null for NULL. */
export function utcToIso(value: string | undefined): string | null {
  if (value === undefined || value === "NULL" || value === "") return null;
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(value);
  if (!match) throw new Error(`expected a DATETIME from the server, got ${JSON.stringify(value)}`);
  const millis = (match[3] ?? ".000").slice(0, 4).padEnd(4, "0");
  return `${match[1]}T${match[2]}${millis}Z`;
}

/** ISO 8601 to the DATETIME(6) literal MySQL accepts. */
export function isoToUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not an ISO time: ${JSON.stringify(iso)}`);
  return date.toISOString().replace("T", " ").replace("Z", "");
}
