/**
 * One clone session on the server: a work directory holding the option file, the clients found by the shell probe,
 * and what the server says about itself and the databases concerned. All of that is one round trip: the script that
 * makes the directory and writes the option file also probes the shell, asks the server for its settings, this
 * account's privileges and every inventory, and tries `SET SESSION sql_log_bin = 0`.
 */
import { type SchemaInventory, inventorySql, parseInventory } from "./inventory";
import { OPTION_FILE, RemoteMysql, buildOptionFile } from "./remote-mysql";
import { SHELL_PROBE, type ServerFacts, parseServerFacts, parseShellFacts, serverFactsSql, settingsFor } from "./server-facts";
import { parseBatchRows } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { withWorkDir } from "./work-dir";

export const DEFAULT_STEP_TIMEOUT_MS = 3 * 60 * 60_000;

export interface CloneSession {
  mysql: RemoteMysql;
  facts: ServerFacts;
  workDir: string;
  /** The inventory of each database asked for; null for one that does not exist. */
  inventories: ReadonlyMap<string, SchemaInventory | null>;
}

export interface SessionRequest {
  access: MysqlAccess;
  stepTimeoutMs?: number;
  /** Names the work directory (see removeLeftoverWorkDirs). */
  workDirFor: string;
  /** The database whose schema-level grants count (the source). */
  grantsFor: string;
  schemas: readonly string[];
}

const FACTS_MARK = "@@fp-server-facts";
const SKIP_BINLOG_MARK = "@@fp-session-may-skip-binlog";
const SQL_END = "FP_SERVER_FACTS_SQL";

/**
 * Runs after SHELL_PROBE in the work directory `$d`: the facts query, then the binary-log probe. Without a client it
 * prints nothing more, and parseShellFacts names the missing client. The SQL only holds hex-encoded names.
 */
function factsScript(sql: string): string {
  const client = `"$mysql_bin" "--defaults-extra-file=$d/${OPTION_FILE}" --batch --skip-column-names --default-character-set=utf8mb4`;
  return [
    "mysql_bin=''",
    'for p in mariadb mysql; do if command -v "$p" >/dev/null 2>&1; then mysql_bin=$(command -v "$p"); break; fi; done',
    '[ -n "$mysql_bin" ] || exit 0',
    `echo '${FACTS_MARK}'`,
    `${client} <<'${SQL_END}' || exit $?`,
    sql,
    SQL_END,
    `printf 'SET SESSION sql_log_bin = 0;\\nSELECT 1;\\n' | ${client} >/dev/null 2>&1 && echo '${SKIP_BINLOG_MARK}'`,
    "exit 0",
  ].join("\n");
}

export async function withCloneSession<T>(runner: CommandRunner, request: SessionRequest, fn: (session: CloneSession) => Promise<T>): Promise<T> {
  const sql = [serverFactsSql(request.grantsFor), ...request.schemas.map(inventorySql)].join("\n");
  if (sql.split("\n").includes(SQL_END)) throw new Error("the server facts query contains its here-document delimiter");
  const names = request.schemas.map((s) => `\`${s}\``).join(", ");
  return withWorkDir(
    runner,
    request.workDirFor,
    async (workDir, setupOutput) => {
      const at = setupOutput.indexOf(`${FACTS_MARK}\n`);
      const shell = parseShellFacts(at < 0 ? setupOutput : setupOutput.slice(0, at));
      const answer = setupOutput.slice(at + FACTS_MARK.length + 1);
      const lines = answer.split("\n");
      const maySkipBinlog = lines.includes(SKIP_BINLOG_MARK);
      const rows = parseBatchRows(lines.filter((line) => line !== SKIP_BINLOG_MARK).join("\n"));
      const facts = parseServerFacts(rows, shell, request.access.dataDir, maySkipBinlog);
      const base = RemoteMysql.attach(runner, shell.clients, `${workDir}/${OPTION_FILE}`, request.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      const inventories = new Map(request.schemas.map((schema) => [schema, parseInventory(rows, schema)] as const));
      return fn({ mysql: base.withSettings(settingsFor(facts)), facts, workDir, inventories });
    },
    {
      file: { name: OPTION_FILE, contents: buildOptionFile(request.access) },
      script: `${SHELL_PROBE}\n${factsScript(sql)}`,
      step: `Reading the server's settings, this account's privileges${names === "" ? "" : ` and the objects of ${names}`}`,
    },
  );
}
