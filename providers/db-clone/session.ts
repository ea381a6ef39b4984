/**
 * One clone session on the server: a work directory holding the option file, the clients found by the shell probe,
 * and what the server says about itself and the databases concerned. Creating the directory, writing the option
 * file and probing the shell is one round trip; the server's settings, privileges and every inventory another.
 */
import { type SchemaInventory, inventorySql, parseInventory } from "./inventory";
import { OPTION_FILE, RemoteMysql, buildOptionFile } from "./remote-mysql";
import { SHELL_PROBE, type ServerFacts, parseServerFacts, parseShellFacts, serverFactsSql, settingsFor } from "./server-facts";
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

export async function withCloneSession<T>(runner: CommandRunner, request: SessionRequest, fn: (session: CloneSession) => Promise<T>): Promise<T> {
  return withWorkDir(
    runner,
    request.workDirFor,
    async (workDir, probeOutput) => {
      const shell = parseShellFacts(probeOutput);
      const base = RemoteMysql.attach(runner, shell.clients, `${workDir}/${OPTION_FILE}`, request.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      const rows = await base.query([serverFactsSql(request.grantsFor), ...request.schemas.map(inventorySql)].join("\n"), {
        step: `Reading the server's settings, this account's privileges and the objects of ${request.schemas.map((s) => `\`${s}\``).join(", ")}`,
      });
      const facts = await parseServerFacts(base, rows, shell, request.access.dataDir);
      const inventories = new Map(request.schemas.map((schema) => [schema, parseInventory(rows, schema)] as const));
      return fn({ mysql: base.withSettings(settingsFor(facts)), facts, workDir, inventories });
    },
    { file: { name: OPTION_FILE, contents: buildOptionFile(request.access) }, script: SHELL_PROBE },
  );
}
