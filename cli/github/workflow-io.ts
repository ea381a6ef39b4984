/** The pieces of a workflow run the commands share: env reading, the GitHub client, the log and the job summary. */
import { appendFile } from "node:fs/promises";
import { UserError } from "../../providers/common/user-error";
import { type GitHubClient, createGitHubClient } from "./github-api";
import type { StatusReport } from "../status/collect";
import type { Operations, OperationsContext } from "./operations-port";
import { Redactor } from "./redactor";

export type Env = Readonly<Record<string, string | undefined>>;

export interface CommandIo {
  env: Env;
  /** Where log lines go (stdout in a workflow). */
  out(line: string): void;
  now(): Date;
  /** For tests against a local stub: no waiting between retries. */
  retryBaseMs?: number;
}

/** What `github` and `sweep` run with: the IO above, and the operations they drive (fakes in tests). */
export interface WorkflowCommandDeps extends CommandIo {
  ops: Operations;
  createOperationsContext(): Promise<OperationsContext>;
  /** The status report the scheduled sweep adds to its job summary; left out, the summary has none. */
  readStatus?(ctx: OperationsContext): Promise<StatusReport>;
}

/** A redactor primed with every secret in the environment; in Actions it also masks them in the log. */
function createRedactor(io: CommandIo): Redactor {
  const inActions = io.env.GITHUB_ACTIONS === "true";
  // Outside Actions an `::add-mask::` line would print the secret itself to the terminal, so nothing is emitted.
  const redactor = new Redactor(inActions ? io.out : () => undefined);
  redactor.addFromEnv(io.env);
  return redactor;
}

export function createClientFromEnv(io: CommandIo): GitHubClient {
  const token = io.env.GITHUB_TOKEN ?? "";
  if (token === "") {
    throw new UserError(
      "`GITHUB_TOKEN` is not set; in a workflow pass `${{ github.token }}` (or a token for the app repositories to sweep), locally `export GITHUB_TOKEN=$(gh auth token)`.",
    );
  }
  return createGitHubClient({
    token,
    baseUrl: io.env.GITHUB_API_URL || "https://api.github.com",
    retryBaseMs: io.retryBaseMs,
  });
}

/** Appends to the job summary when the run has one (`GITHUB_STEP_SUMMARY`); a no-op elsewhere. */
export function summaryWriter(env: Env): (markdown: string) => Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  return async (markdown) => {
    if (path) await appendFile(path, `${markdown}\n`, "utf8");
  };
}

/** A warning line to the log, as an annotation in Actions; redacted like every other line. */
export function warningLogger(io: CommandIo, redactor: Redactor): (line: string) => void {
  return (line) => {
    const clean = redactor.redact(line);
    io.out(io.env.GITHUB_ACTIONS === "true" ? `::warning::${escapeAnnotation(clean)}` : `warning: ${clean}`);
  };
}

function escapeAnnotation(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Runs a workflow command with a redactor primed from the environment. Whatever it throws ends the command here
 * rather than in main, so that in Actions the message becomes an `::error::` annotation.
 */
export async function runReported(
  io: CommandIo,
  command: string,
  body: (redactor: Redactor) => Promise<number>,
): Promise<number> {
  let redactor: Redactor | null = null;
  try {
    redactor = createRedactor(io);
    return await body(redactor);
  } catch (error) {
    return reportFatal(io, redactor, command, error);
  }
}

/** Prints an error that ends a command: a UserError as its message, anything else with its stack, both redacted. */
function reportFatal(io: CommandIo, redactor: Redactor | null, command: string, error: unknown): number {
  const text =
    error instanceof UserError
      ? `${command}: ${error.message}`
      : `${command} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  const clean = redactor ? redactor.redact(text) : text;
  io.out(io.env.GITHUB_ACTIONS === "true" ? `::error::${escapeAnnotation(clean)}` : clean);
  return 1;
}
