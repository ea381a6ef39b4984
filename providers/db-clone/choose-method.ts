/**
 * Which method a clone uses, and why. Pure: everything it looks at was read from the server before.
 *
 * `auto` takes the fastest the server allows: transportable tablespaces (about 1.5 s per GB, 34x a dump) when the SSH
 * user reaches the datadir's files and the account has the privileges; else `parallel-dump`, which copies the rows
 * inside the server by INSERT ... SELECT, several tables at a time; else (no tables) one streamed dump. A live source
 * always gets the streamed dump, the only method that reads it consistently without blocking its writes.
 */
import { UserError } from "../common/user-error";
import type { TableInfo } from "./inventory";
import type { FileAccess } from "./server-facts";
import { PLAIN_NAME } from "./sql";
import type { CloneMethod, RequestedMethod } from "./types";

export interface MethodInputs {
  requested: RequestedMethod;
  liveSource: boolean;
  fileAccess: FileAccess;
  /** With no file access: sudo asks for a password that was not given. */
  sudoAsksPassword?: boolean;
  filePerTable: boolean;
  /** Privileges covering the source (global plus matching schema grants). */
  sourcePrivileges: ReadonlySet<string>;
  globalPrivileges: ReadonlySet<string>;
  tables: readonly TableInfo[];
  /** `.ibd` file names (without extension) in the source's datadir directory, or null when it could not be listed. */
  tablespaceFiles: ReadonlySet<string> | null;
  dataDir: string;
}

export interface MethodPlan {
  method: CloneMethod;
  reason: string;
  /** For transport: the tables whose files are copied. */
  fileTables: string[];
  /** For transport: the tables that go through dump/load instead, with why. */
  fallbackTables: { name: string; reason: string }[];
}

/** Why `table`'s tablespace file cannot be transported, or null when it can. */
export function transportBlocker(table: TableInfo, files: ReadonlySet<string>): string | null {
  if (table.type !== "BASE TABLE") return `it is a ${table.type.toLowerCase()} table`;
  if ((table.engine ?? "").toLowerCase() !== "innodb") return `its engine is ${table.engine ?? "unknown"}, not InnoDB`;
  if (table.hasFulltext) return "it has a FULLTEXT index, which comes back corrupt from an imported tablespace";
  if (table.partitioned) return "it is partitioned (one file per partition)";
  if (/encrypt/i.test(table.createOptions)) return "it is encrypted (its key would have to travel too)";
  if (!PLAIN_NAME.test(table.name)) return "its name is stored encoded in the datadir";
  if (!files.has(table.name)) return "it has no .ibd file of its own in the datadir (shared or external tablespace)";
  return null;
}

/** Why transport cannot run at all, or null when it can (for at least the eligible tables). */
function transportUnavailable(inputs: MethodInputs): string | null {
  if (inputs.fileAccess === "none") {
    return inputs.sudoAsksPassword === true
      ? "the SSH user's sudo asks for a password (set sudoPassword for the tablespace copy)"
      : "the SSH user cannot reach MySQL's datadir (it is neither root nor allowed sudo)";
  }
  if (!inputs.filePerTable) return "innodb_file_per_table is OFF, so tables have no files of their own";
  const missing = ["RELOAD"].filter((p) => !inputs.globalPrivileges.has(p));
  missing.push(...["LOCK TABLES", "SELECT"].filter((p) => !inputs.sourcePrivileges.has(p)));
  if (missing.length > 0) {
    return `the MySQL account lacks ${missing.join(", ")} (FLUSH TABLES ... FOR EXPORT needs them)`;
  }
  if (inputs.tablespaceFiles === null) {
    return `the source's directory is not in the datadir ${inputs.dataDir} as seen over SSH (is MySQL on another host?)`;
  }
  return null;
}

function planTransport(inputs: MethodInputs, files: ReadonlySet<string>): Omit<MethodPlan, "reason"> | null {
  const fileTables: string[] = [];
  const fallbackTables: { name: string; reason: string }[] = [];
  for (const table of inputs.tables) {
    const blocker = transportBlocker(table, files);
    if (blocker === null) fileTables.push(table.name);
    else fallbackTables.push({ name: table.name, reason: blocker });
  }
  if (fileTables.length === 0) return null;
  return { method: "transport", fileTables, fallbackTables };
}

function describeAccess(access: FileAccess): string {
  if (access === "sudo-password") return "the SSH user has sudo with the sudoPassword";
  return access === "root" ? "the SSH user is root" : "the SSH user has passwordless sudo";
}

function describeFallbacks(fallbacks: readonly { name: string; reason: string }[]): string {
  if (fallbacks.length === 0) return "";
  return `; ${fallbacks.length} table${fallbacks.length === 1 ? "" : "s"} via dump/load (${fallbacks
    .map((f) => `\`${f.name}\`: ${f.reason}`)
    .join("; ")})`;
}

function explicitPlan(inputs: MethodInputs, method: CloneMethod): MethodPlan {
  const requested = `requested as \`${method}\``;
  if (method === "stream-dump") return { method, reason: requested, fileTables: [], fallbackTables: [] };
  if (method === "parallel-dump") {
    if (inputs.liveSource) {
      throw new UserError(
        "Method `parallel-dump` cannot read a live source consistently (each table would be read at a different moment); " +
          "use `stream-dump` or `auto`",
      );
    }
    return { method, reason: requested, fileTables: [], fallbackTables: [] };
  }
  const unavailable = transportUnavailable(inputs);
  const plan = unavailable === null ? planTransport(inputs, inputs.tablespaceFiles ?? new Set()) : null;
  if (plan === null) {
    throw new UserError(
      `Method \`transport\` is not possible on this server: ${unavailable ?? "no table of the source can be transported"}; use \`auto\``,
    );
  }
  return { ...plan, reason: `${requested}${describeFallbacks(plan.fallbackTables)}` };
}

/** Picks the method for a clone and says why. */
export function chooseMethod(inputs: MethodInputs): MethodPlan {
  if (inputs.requested !== "auto") return explicitPlan(inputs, inputs.requested);
  if (inputs.liveSource) {
    return {
      method: "stream-dump",
      reason:
        "the source is live: only one --single-transaction dump reads it consistently without blocking its writes",
      fileTables: [],
      fallbackTables: [],
    };
  }
  const unavailable = transportUnavailable(inputs);
  const plan = unavailable === null ? planTransport(inputs, inputs.tablespaceFiles ?? new Set()) : null;
  if (plan !== null) {
    return {
      ...plan,
      reason: `transportable tablespaces are possible (${describeAccess(inputs.fileAccess)}, privileges, file-per-table)${describeFallbacks(plan.fallbackTables)}`,
    };
  }
  const noTransport = unavailable ?? "no table of the source can be transported";
  const tables = inputs.tables.length;
  if (tables >= 1) {
    return {
      method: "parallel-dump",
      reason: `no transport: ${noTransport}; the rows of ${tables} table${tables === 1 ? "" : "s"} are copied inside the server by INSERT ... SELECT (no client formats or parses them)`,
      fileTables: [],
      fallbackTables: [],
    };
  }
  return {
    method: "stream-dump",
    reason: `no transport: ${noTransport}; the source has no tables, only its other objects to copy`,
    fileTables: [],
    fallbackTables: [],
  };
}
