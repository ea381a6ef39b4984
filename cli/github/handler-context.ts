/** What the event handlers are given: every effect goes through here, so tests replace each one. */
import type { PlainConfig } from "../../stacks/config-rules";
import type { Alerts } from "../alerts/alerts";
import type { BreakerOptions } from "./breaker";
import type { RepoApi } from "./github-api";
import type { Operations, OperationsContext } from "./operations-port";
import type { AppTarget } from "./project-config";
import type { Redactor } from "./redactor";

export interface HandlerContext {
  api: RepoApi;
  ops: Operations;
  opsContext: OperationsContext;
  config: PlainConfig;
  target: AppTarget;
  redactor: Redactor;
  /** Link to this workflow run, for comments and deployment statuses; null outside Actions. */
  runUrl: string | null;
  /** The gate job approved this comment and left a "queued" note on the status comment. */
  gated?: boolean;
  /** The repository's page, for links to commits and branches; null when unknown. */
  repoUrl?: string | null;
  now(): Date;
  /** One line to the log; the caller redacts it. */
  log(line: string): void;
  /** Appends Markdown to the job summary (`GITHUB_STEP_SUMMARY`); the caller redacts it. */
  writeSummary(markdown: string): Promise<void>;
  breaker?: BreakerOptions;
  /** Operators' alert channels (cli/alerts); none when absent. */
  alerts?: Alerts;
}

export interface HandlerResult {
  /** 0 for done or refused (a refusal is explained on the PR), 1 when the operation itself failed. */
  exitCode: number;
  /** One line for the log saying what happened. */
  outcome: string;
}

/** The workflow run's page, from the variables every Actions job has. */
export function runUrlFromEnv(env: Readonly<Record<string, string | undefined>>): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: attempt } = env;
  if (!server || !repo || !run) return null;
  return `${server}/${repo}/actions/runs/${run}${attempt && attempt !== "1" ? `/attempts/${attempt}` : ""}`;
}
