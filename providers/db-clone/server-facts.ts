/**
 * What the database server allows, asked once per clone: which clients exist, whether the SSH user can reach the
 * datadir's files (root, passwordless sudo, or sudo with the given password), the flavour and its settings, and this
 * account's privileges.
 */
import { UserError } from "../common/user-error";
import { RemoteCommandError, tailOfStderr } from "./errors";
import type { MysqlClients } from "./remote-mysql";
import { sqlString } from "./sql";
import type { CommandRunner } from "./types";

/** `sudo`: passwordless; `sudo-password`: sudo with the password in the work directory's {@link SUDO_PASSWORD_FILE}. */
export type FileAccess = "root" | "sudo" | "sudo-password" | "none";

/** The work directory's file holding the SSH user's sudo password (see MysqlAccess.sudoPassword). */
export const SUDO_PASSWORD_FILE = "sudo-password";

export interface ShellFacts {
  clients: MysqlClients;
  fileAccess: FileAccess;
  /** With `fileAccess` none: sudo exists but asks for a password, and none was given. */
  sudoAsksPassword: boolean;
}

/** sudo refused the SSH user's sudo password (`sudoPassword`); thrown before anything is written. */
export class SudoPasswordRefusedError extends UserError {
  override readonly name = "SudoPasswordRefusedError";
}

/** How a command runs as the datadir's owner: the access and, for `sudo-password`, where its password is. */
export interface FileRights {
  fileAccess: FileAccess;
  sudoPasswordFile: string | null;
}

export interface ServerFacts extends ShellFacts, FileRights {
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

/**
 * `sudo -S` reads the password from the file on its stdin (`-p ""`: no prompt in the output); `-k` ignores a cached
 * credential, so the password line is always consumed by sudo and never reaches the command.
 */
const SUDO_WITH_PASSWORD = 'sudo -k -S -p ""';

/**
 * Prints `access=` and the clients, and defines `fp_priv` (runs its arguments as the datadir's owner) for
 * the rest of the script. In a work directory `$d` holding {@link SUDO_PASSWORD_FILE}, sudo asking for a password gets
 * it; a refused password prints `access=sudo-refused` and sudo's last line.
 */
// MariaDB installs `mariadb`/`mariadb-dump` (and, up to 11.x, the mysql names as links); MySQL only the mysql names.
export const SHELL_PROBE = [
  `fp_pw="\${d:+$d/${SUDO_PASSWORD_FILE}}"`,
  'if [ "$(id -u)" = 0 ]; then access=root;',
  "elif ! command -v sudo >/dev/null 2>&1; then access=none;",
  "elif sudo -n true >/dev/null 2>&1; then access=sudo;",
  `elif [ -n "$fp_pw" ] && [ -s "$fp_pw" ]; then`,
  `  if ${SUDO_WITH_PASSWORD} true <"$fp_pw" 2>"$d/sudo.err"; then access=sudo-password;`,
  '  else access=sudo-refused; echo "sudo-said=$(grep -v \'^$\' "$d/sudo.err" | tail -n 1)"; fi',
  "else access=none; echo sudo-asks=1; fi",
  'echo "access=$access"',
  `fp_priv() { case $access in root) "$@" ;; sudo) sudo -n "$@" ;; sudo-password) ${SUDO_WITH_PASSWORD} "$@" <"$fp_pw" ;; *) return 1 ;; esac; }`,
  'for p in mariadb mysql; do if command -v "$p" >/dev/null 2>&1; then echo "mysql=$(command -v "$p")"; break; fi; done',
  'for p in mariadb-dump mysqldump; do if command -v "$p" >/dev/null 2>&1; then echo "dump=$(command -v "$p")"; break; fi; done',
].join("\n");

/** `argv` run as the datadir's owner: as is for root, behind sudo otherwise (see {@link SHELL_PROBE}). */
export function privileged(rights: FileRights, argv: readonly string[]): string[] {
  const { fileAccess, sudoPasswordFile } = rights;
  if (fileAccess === "none") throw new Error("no file access to MySQL's datadir (neither root nor allowed sudo)");
  if (fileAccess === "root") return [...argv];
  if (fileAccess === "sudo") return ["sudo", "-n", ...argv];
  if (sudoPasswordFile === null) throw new Error("sudo with a password needs the password file");
  // No word of the password is on a command line: sudo reads it from the file on its stdin.
  return ["sh", "-c", `exec ${SUDO_WITH_PASSWORD} "$@" <"$0"`, sudoPasswordFile, ...argv];
}

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
  if (access === "sudo-refused") {
    throw new SudoPasswordRefusedError(
      `sudo refused the SSH user's sudo password (sudoPassword): ${values.get("sudo-said") || "no reason given"}; ` +
        "set sudoPassword to the password Forge showed for the `forge` user when it provisioned the server " +
        "(`pulumi config set --secret sudoPassword`), or remove it to clone without file access",
    );
  }
  const fileAccess: FileAccess = access === "root" || access === "sudo" || access === "sudo-password" ? access : "none";
  return {
    clients: { mysql, dump },
    fileAccess,
    sudoAsksPassword: values.has("sudo-asks"),
  };
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
  sudoPasswordFile: string | null = null,
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
    sudoPasswordFile: shell.fileAccess === "sudo-password" ? sudoPasswordFile : null,
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
