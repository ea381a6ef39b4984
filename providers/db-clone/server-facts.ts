/**
 * What the database server allows, asked once per clone: which clients exist, whether the SSH user can reach the
 * datadir's files (root or passwordless sudo), the flavour and its settings, and this account's privileges.
 */
import { RemoteCommandError, tailOfStderr } from "./errors";
import type { MysqlClients } from "./remote-mysql";
import { sqlString } from "./sql";
import type { CommandRunner } from "./types";

export type FileAccess = "root" | "sudo" | "none";

export interface ShellFacts {
  clients: MysqlClients;
  fileAccess: FileAccess;
}

export interface ServerFacts extends ShellFacts {
  flavor: "mariadb" | "mysql";
  version: string;
  /** Without a trailing slash. */
  dataDir: string;
  filePerTable: boolean;
  binlog: boolean;
  canSkipBinlog: boolean;
  /** `CURRENT_USER()`, e.g. `forge@localhost`. */
  account: string;
  /** Privileges that cover the source: global ones plus those granted on a pattern matching its name. */
  sourcePrivileges: ReadonlySet<string>;
  globalPrivileges: ReadonlySet<string>;
}

// MariaDB installs `mariadb`/`mariadb-dump` (and, up to 11.x, the mysql names as links); MySQL only the mysql names.
export const SHELL_PROBE = [
  'if [ "$(id -u)" = 0 ]; then echo access=root;',
  "elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then echo access=sudo;",
  "else echo access=none; fi",
  'for p in mariadb mysql; do if command -v "$p" >/dev/null 2>&1; then echo "mysql=$(command -v "$p")"; break; fi; done',
  'for p in mariadb-dump mysqldump; do if command -v "$p" >/dev/null 2>&1; then echo "dump=$(command -v "$p")"; break; fi; done',
].join("\n");

/** Finds the clients and the SSH user's access to the datadir's files. */
export async function readShellFacts(runner: CommandRunner): Promise<ShellFacts> {
  const result = await runner.exec(["sh", "-c", SHELL_PROBE], { timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    throw new RemoteCommandError("Probing the database server's shell", result.exitCode, tailOfStderr(result.stderr));
  }
  return parseShellFacts(result.stdout);
}

/** Reads the `key=value` lines {@link SHELL_PROBE} prints. */
export function parseShellFacts(stdout: string): ShellFacts {
  const values = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  const mysql = values.get("mysql");
  const dump = values.get("dump");
  if (mysql === undefined || dump === undefined) {
    throw new Error(
      "The database server has no MySQL client (`mariadb`/`mysql`) or no `mariadb-dump`/`mysqldump` on the SSH user's PATH; " +
        "install the client package (Forge servers have it) or fix PATH for non-interactive logins",
    );
  }
  const access = values.get("access");
  const fileAccess: FileAccess = access === "root" || access === "sudo" ? access : "none";
  return { clients: { mysql, dump }, fileAccess };
}

const GRANTEE =
  "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/** Statements asking the server about itself and this account; `grantsFor` is the database whose grants matter. */
export function serverFactsSql(grantsFor: string): string {
  return [
    "SELECT 'server', VERSION(), @@version_comment, @@datadir, @@innodb_file_per_table, @@log_bin, CURRENT_USER();",
    `SELECT 'global', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${GRANTEE};`,
    `SELECT 'schema', PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ${GRANTEE} AND ${sqlString(grantsFor)} LIKE TABLE_SCHEMA;`,
  ].join("\n");
}

/**
 * The facts from rows of {@link serverFactsSql} (possibly mixed with other rows); `sessionMaySkipBinlog` says whether
 * `SET SESSION sql_log_bin = 0` worked for this account.
 */
export function parseServerFacts(
  rows: readonly string[][],
  shell: ShellFacts,
  dataDirOverride: string | null,
  sessionMaySkipBinlog: boolean,
): ServerFacts {
  const server = rows.find((row) => row[0] === "server");
  if (server === undefined) throw new Error("The server did not answer SELECT VERSION()");
  const [, version = "", comment = "", dataDir = "", filePerTable = "", logBin = "", account = ""] = server;
  const globalPrivileges = new Set(rows.filter((row) => row[0] === "global").map((row) => row[1] ?? ""));
  const sourcePrivileges = new Set([
    ...globalPrivileges,
    ...rows.filter((row) => row[0] === "schema").map((row) => row[1] ?? ""),
  ]);
  const binlog = logBin === "1" || logBin.toUpperCase() === "ON";
  return {
    ...shell,
    flavor: /mariadb/i.test(`${version} ${comment}`) ? "mariadb" : "mysql",
    version,
    dataDir: (dataDirOverride ?? dataDir).replace(/\/+$/, ""),
    filePerTable: filePerTable === "1" || filePerTable.toUpperCase() === "ON",
    binlog,
    canSkipBinlog: binlog && sessionMaySkipBinlog,
    account,
    sourcePrivileges,
    globalPrivileges,
  };
}

/** The settings the remote clients need for this server. */
export function settingsFor(facts: ServerFacts): { dumpArgs: string[]; skipBinlog: string | null } {
  return {
    // MySQL 8 with GTIDs otherwise writes SET @@GLOBAL.GTID_PURGED into the dump, which fails on a server that has
    // executed transactions; MariaDB's dump has no such option.
    dumpArgs: facts.flavor === "mysql" ? ["--set-gtid-purged=OFF"] : [],
    // A clone is local scratch data: without this every clone lands in the binary logs (about 0.7 GB per GB cloned,
    // kept for 30 days by MySQL 8's default) and on any replica.
    skipBinlog: facts.canSkipBinlog ? "SET SESSION sql_log_bin = 0" : null,
  };
}
