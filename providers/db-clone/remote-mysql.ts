/**
 * The mysql and mysqldump clients on the database server, run through a {@link CommandRunner}. Credentials reach them
 * only through a 0600 option file in the clone's work directory (`--defaults-extra-file`, which must come first);
 * SQL goes on stdin, so neither appears in a command line that `ps` shows.
 */
import { buildShellCommand } from "../ssh";
import { RemoteCommandError, tailOfStderr } from "./errors";
import { type RemoteStep, type StepPlan, runSteps } from "./remote-steps";
import { parseBatchRows } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { writePrivateFile } from "./work-dir";

const QUERY_TIMEOUT_MS = 10 * 60_000;
const MAX_QUERY_OUTPUT = 64 * 1024 * 1024;

/** The option file's name inside the work directory. */
export const OPTION_FILE = "client.cnf";

export interface MysqlClients {
  mysql: string;
  dump: string;
}

/** Flavour-dependent settings, known once the server was asked (see server-facts.ts). */
export interface MysqlSettings {
  /** Added to every mysqldump call (e.g. `--set-gtid-purged=OFF` for MySQL 8 with GTIDs). */
  dumpArgs: readonly string[];
  /** `SET SESSION sql_log_bin=0` when the binary log is on and this account may skip it; else null. */
  skipBinlog: string | null;
  stepTimeoutMs: number;
}

/** Escapes an option-file value: inside double quotes, `\` and `"` are escaped and a tab is `\t`. */
function optionValue(key: string, value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new Error(`the MySQL ${key} contains a line break or NUL, which an option file cannot carry`);
  }
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\t/g, "\\t")}"`;
}

/** The `[client]` option file for `access`; mysql and mysqldump both read that group. */
export function buildOptionFile(access: MysqlAccess): string {
  const lines = ["[client]", `user=${optionValue("user", access.user)}`];
  if (access.password !== null) lines.push(`password=${optionValue("password", access.password)}`);
  if (access.socket !== null) lines.push(`socket=${optionValue("socket", access.socket)}`);
  return `${lines.join("\n")}\n`;
}

interface StepOptions {
  step: string;
  database?: string;
  timeoutMs?: number;
}

export class RemoteMysql {
  private constructor(
    readonly runner: CommandRunner,
    readonly clients: MysqlClients,
    private readonly optionFile: string,
    readonly settings: MysqlSettings,
  ) {}

  /** Writes the option file into `workDir` (removed with it) and returns a client bound to it. */
  static async open(
    runner: CommandRunner,
    clients: MysqlClients,
    access: MysqlAccess,
    workDir: string,
    stepTimeoutMs: number,
  ): Promise<RemoteMysql> {
    const optionFile = await writePrivateFile(runner, workDir, OPTION_FILE, buildOptionFile(access));
    return RemoteMysql.attach(runner, clients, optionFile, stepTimeoutMs);
  }

  /** A client bound to an option file that already exists (see {@link OPTION_FILE}). */
  static attach(runner: CommandRunner, clients: MysqlClients, optionFile: string, stepTimeoutMs: number): RemoteMysql {
    return new RemoteMysql(runner, clients, optionFile, { dumpArgs: [], skipBinlog: null, stepTimeoutMs });
  }

  withSettings(settings: Partial<MysqlSettings>): RemoteMysql {
    return new RemoteMysql(this.runner, this.clients, this.optionFile, { ...this.settings, ...settings });
  }

  /** The argv of the mysql client, credentials from the option file. */
  mysqlArgv(database?: string, extra: readonly string[] = []): string[] {
    return [
      this.clients.mysql,
      `--defaults-extra-file=${this.optionFile}`,
      "--batch",
      "--skip-column-names",
      "--default-character-set=utf8mb4",
      ...extra,
      ...(database === undefined ? [] : [database]),
    ];
  }

  /** The argv of mysqldump with `args` (options, database, tables). */
  dumpArgv(args: readonly string[]): string[] {
    return [
      this.clients.dump,
      `--defaults-extra-file=${this.optionFile}`,
      "--no-tablespaces",
      "--skip-dump-date",
      ...this.settings.dumpArgs,
      ...args,
    ];
  }

  /** The argv of a mysql client that loads into `database`, without writing the binary log when possible. */
  loadArgv(database: string): string[] {
    const init = this.settings.skipBinlog === null ? [] : [`--init-command=${this.settings.skipBinlog}`];
    return this.mysqlArgv(database, init);
  }

  /** Runs read-only SQL (one or more statements) and returns the rows of all result sets in order. */
  async query(sql: string, options: StepOptions): Promise<string[][]> {
    const result = await this.runner.exec(this.mysqlArgv(options.database), {
      stdin: sql,
      timeoutMs: options.timeoutMs ?? QUERY_TIMEOUT_MS,
      maxOutputBytes: MAX_QUERY_OUTPUT,
    });
    if (result.exitCode !== 0) throw new RemoteCommandError(options.step, result.exitCode, tailOfStderr(result.stderr));
    if (Buffer.byteLength(result.stdout) >= MAX_QUERY_OUTPUT) {
      throw new Error(`${options.step}: the answer exceeded ${MAX_QUERY_OUTPUT} bytes and was cut off`);
    }
    return parseBatchRows(result.stdout);
  }

  /** `sql` preceded by turning off the binary log for the session, when this account may. */
  withoutBinlog(sql: string): string {
    return this.settings.skipBinlog === null ? sql : `${this.settings.skipBinlog};\n${sql}`;
  }

  /** Runs SQL that writes; the session skips the binary log when it may. */
  async execute(sql: string, options: StepOptions): Promise<void> {
    await this.query(this.withoutBinlog(sql), {
      ...options,
      timeoutMs: options.timeoutMs ?? this.settings.stepTimeoutMs,
    });
  }

  /** Streams `mysqldump <args>` into `mysql <into>` on the server; a failure of either side fails the step. */
  async pipeDump(args: readonly string[], into: string, step: string): Promise<void> {
    await this.runShell(`set -o pipefail; ${this.dumpStep(args, into, step).command}`, step);
  }

  /** The clone's work directory on the server, where the option file lives. */
  get workDir(): string {
    return this.optionFile.slice(0, this.optionFile.lastIndexOf("/"));
  }

  /** A step running SQL in the mysql client; `write` steps skip the binary log when this account may. */
  sqlStep(sql: string, options: { step: string; database?: string; write?: boolean; output?: boolean }): RemoteStep {
    return {
      step: options.step,
      command: buildShellCommand(this.mysqlArgv(options.database)),
      stdin: options.write === true ? this.withoutBinlog(sql) : sql,
      output: options.output,
    };
  }

  /** A step streaming `mysqldump <args>` into `mysql <into>`. */
  dumpStep(args: readonly string[], into: string, step: string): RemoteStep {
    return { step, command: `${buildShellCommand(this.dumpArgv(args))} | ${buildShellCommand(this.loadArgv(into))}` };
  }

  /** Runs `plan` in one round trip (see remote-steps.ts); returns the outputs of the steps that asked for theirs. */
  async runSteps(plan: StepPlan): Promise<(string | undefined)[]> {
    return runSteps(this.runner, plan, {
      workDir: this.workDir,
      timeoutMs: this.settings.stepTimeoutMs,
      maxOutputBytes: MAX_QUERY_OUTPUT,
    });
  }

  /** Runs a bash script on the server (bash for `pipefail`); its stdout is returned. */
  async runShell(script: string, step: string, stdin?: string): Promise<string> {
    const result = await this.runner.exec(["bash", "-c", script], { stdin, timeoutMs: this.settings.stepTimeoutMs });
    if (result.exitCode !== 0) throw new RemoteCommandError(step, result.exitCode, tailOfStderr(result.stderr));
    return result.stdout;
  }
}
