/**
 * One clone session on the server: a work directory holding the option file, the clients found by the shell probe,
 * and what the server says about itself and the databases concerned. All of that is one round trip: the script that
 * makes the directory and writes the option file also probes the shell, asks the server for its settings, this
 * account's privileges and every inventory, tries `SET SESSION sql_log_bin = 0`, and lists the source's `.ibd` files.
 */
import { buildShellCommand } from "../ssh";
import { RemoteCommandError } from "./errors";
import { type SchemaInventory, inventorySql, parseInventory } from "./inventory";
import { OPTION_FILE, RemoteMysql, buildOptionFile } from "./remote-mysql";
import {
  SHELL_PROBE,
  SUDO_PASSWORD_FILE,
  type ServerFacts,
  parseServerFacts,
  parseShellFacts,
  serverFactsSql,
  settingsFor,
} from "./server-facts";
import { PLAIN_NAME, parseBatchRows } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { withWorkDir } from "./work-dir";

export const DEFAULT_STEP_TIMEOUT_MS = 3 * 60 * 60_000;

export interface CloneSession {
  mysql: RemoteMysql;
  facts: ServerFacts;
  workDir: string;
  /** The inventory of each database asked for; null for one that does not exist. */
  inventories: ReadonlyMap<string, SchemaInventory | null>;
  /**
   * The `.ibd` files (names without extension) of `listFilesOf` in the datadir; null when its directory is not there
   * or the SSH user cannot read the datadir; undefined when not asked for.
   */
  tablespaceFiles?: Set<string> | null;
}

export interface SessionRequest {
  access: MysqlAccess;
  stepTimeoutMs?: number;
  /** Names the work directory (see removeLeftoverWorkDirs). */
  workDirFor: string;
  /** The database whose schema-level grants count (the source). */
  grantsFor: string;
  schemas: readonly string[];
  /** A database whose `.ibd` files to list in the same round trip (the source of a transport). */
  listFilesOf?: string;
}

/**
 * The session of a copy from `from` into `to`: the work directory is named for the target, the source's grants
 * count, and both schemas are inventoried.
 */
export function copySessionRequest(
  options: Pick<SessionRequest, "access" | "stepTimeoutMs">,
  from: string,
  to: string,
  listFilesOf?: string,
): SessionRequest {
  const { access, stepTimeoutMs } = options;
  return { access, stepTimeoutMs, workDirFor: to, grantsFor: from, schemas: [from, to], listFilesOf };
}

const FACTS_MARK = "@@fp-server-facts";
const SKIP_BINLOG_MARK = "@@fp-session-may-skip-binlog";
const SQL_END = "FP_SERVER_FACTS_SQL";
const FILES_MARK = "@@fp-tablespace-files";
const FILES_MISSING = "@@fp-tablespace-dir-missing";
const FILES_FAILED = "@@fp-tablespace-listing-failed";

/** The mysql client found by the scripts below (`$mysql_bin`), with the option file in the work directory `$d`. */
const CLIENT = `"$mysql_bin" "--defaults-extra-file=$d/${OPTION_FILE}" --batch --skip-column-names`;

/**
 * Runs after SHELL_PROBE in the work directory `$d`: the facts query, then the binary-log probe. Without a client it
 * prints nothing more, and parseShellFacts names the missing client. The SQL only holds hex-encoded names.
 */
function factsScript(sql: string, files: string): string {
  const client = `${CLIENT} --default-character-set=utf8mb4`;
  return [
    "mysql_bin=''",
    'for p in mariadb mysql; do if command -v "$p" >/dev/null 2>&1; then mysql_bin=$(command -v "$p"); break; fi; done',
    '[ -n "$mysql_bin" ] || exit 0',
    `echo '${FACTS_MARK}'`,
    `${client} <<'${SQL_END}' || exit $?`,
    sql,
    SQL_END,
    `printf 'SET SESSION sql_log_bin = 0;\\nSELECT 1;\\n' | ${client} >/dev/null 2>&1 && echo '${SKIP_BINLOG_MARK}'`,
    files,
    "exit 0",
  ].join("\n");
}

/**
 * Lists `schema`'s `.ibd` files in the datadir (the configured one, else @@datadir) as the datadir's owner (`fp_priv`
 * of SHELL_PROBE), after {@link FILES_MARK}; says so when the directory is missing or the listing failed (its stderr
 * follows).
 */
function listFilesScript(schema: string, dataDirOverride: string | null): string {
  if (!PLAIN_NAME.test(schema))
    throw new Error(`tablespace files are only listed for plain database names, not ${JSON.stringify(schema)}`);
  const find = `test -d "$1" || exit 3; find "$1" -mindepth 1 -maxdepth 1 -type f -name '*.ibd' -printf '%f\\n'`;
  return [
    `dd=${dataDirOverride === null ? "''" : buildShellCommand([dataDirOverride])}`,
    `[ -n "$dd" ] || dd=$(${CLIENT} -e 'SELECT @@datadir') || exit $?`,
    `dir="\${dd%/}/${schema}"`,
    "case $access in root | sudo | sudo-password) ;; *) exit 0 ;; esac",
    `echo '${FILES_MARK}'`,
    `fp_priv sh -c ${buildShellCommand([find])} sh "$dir" 2>"$d/list.err"; rc=$?`,
    `if [ "$rc" = 3 ]; then echo '${FILES_MISSING}'; elif [ "$rc" != 0 ]; then echo '${FILES_FAILED}'; cat "$d/list.err"; fi`,
  ].join("\n");
}

/** The listing after {@link FILES_MARK}: the names, null for a missing directory; throws when the listing failed. */
function parseFiles(lines: readonly string[], schema: string): Set<string> | null {
  if (lines.includes(FILES_FAILED)) {
    const detail = lines.slice(lines.indexOf(FILES_FAILED) + 1).join(" | ");
    throw new RemoteCommandError(`Listing the tablespace files of \`${schema}\` in the datadir`, 1, detail);
  }
  if (lines.includes(FILES_MISSING)) return null;
  return new Set(lines.filter((line) => line.endsWith(".ibd")).map((line) => line.slice(0, -".ibd".length)));
}

export async function withCloneSession<T>(
  runner: CommandRunner,
  request: SessionRequest,
  fn: (session: CloneSession) => Promise<T>,
): Promise<T> {
  const sql = [serverFactsSql(request.grantsFor), ...request.schemas.map(inventorySql)].join("\n");
  const files = request.listFilesOf === undefined ? "" : listFilesScript(request.listFilesOf, request.access.dataDir);
  if (sql.split("\n").includes(SQL_END)) throw new Error("the server facts query contains its here-document delimiter");
  const names = request.schemas.map((s) => `\`${s}\``).join(", ");
  const { sudoPassword } = request.access;
  return withWorkDir(
    runner,
    request.workDirFor,
    async (workDir, setupOutput) => {
      const at = setupOutput.indexOf(`${FACTS_MARK}\n`);
      const shell = parseShellFacts(at < 0 ? setupOutput : setupOutput.slice(0, at));
      const answer = setupOutput.slice(at + FACTS_MARK.length + 1).split("\n");
      const filesAt = answer.indexOf(FILES_MARK);
      const lines = filesAt < 0 ? answer : answer.slice(0, filesAt);
      const tablespaceFiles =
        request.listFilesOf === undefined
          ? undefined
          : filesAt < 0
            ? null
            : parseFiles(answer.slice(filesAt + 1), request.listFilesOf);
      const maySkipBinlog = lines.includes(SKIP_BINLOG_MARK);
      const rows = parseBatchRows(lines.filter((line) => line !== SKIP_BINLOG_MARK).join("\n"));
      const facts = parseServerFacts(
        rows,
        shell,
        request.access.dataDir,
        maySkipBinlog,
        `${workDir}/${SUDO_PASSWORD_FILE}`,
      );
      const base = RemoteMysql.attach(
        runner,
        shell.clients,
        `${workDir}/${OPTION_FILE}`,
        request.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      );
      const inventories = new Map(request.schemas.map((schema) => [schema, parseInventory(rows, schema)] as const));
      return fn({ mysql: base.withSettings(settingsFor(facts)), facts, workDir, inventories, tablespaceFiles });
    },
    {
      file: { name: OPTION_FILE, contents: buildOptionFile(request.access) },
      line: sudoPassword ? { name: SUDO_PASSWORD_FILE, value: sudoPassword } : undefined,
      script: `${SHELL_PROBE}\n${factsScript(sql, files)}`,
      step: `Reading the server's settings, this account's privileges${names === "" ? "" : ` and the objects of ${names}`}`,
    },
  );
}
