/**
 * The circuit breaker: after 3 consecutive failed preview deployments, new `/preview` and `/update` runs pause for
 * 30 minutes, so a broken server or an expired token is not hammered by every PR. The history is GitHub's own record
 * of the preview deployments (`preview/*` environments and their statuses), so the breaker holds across workflow
 * runs and machines without any state of ours. Removal is never paused: it frees capacity and deletes data.
 */
import type { RepoApi } from "./github-api";

export const ENVIRONMENT_PREFIX = "preview/";

export interface BreakerOptions {
  threshold: number;
  pauseMs: number;
  /** A deployment still `in_progress` after this long was abandoned (a cancelled or timed-out run): a failure. */
  abandonedAfterMs: number;
  /** How many recent deployments to look at. */
  lookback: number;
}

export const BREAKER_DEFAULTS = {
  threshold: 3,
  pauseMs: 30 * 60 * 1000,
  abandonedAfterMs: 2 * 60 * 60 * 1000,
  lookback: 20,
} as const satisfies BreakerOptions;

export interface DeploymentOutcome {
  environment: string;
  outcome: "success" | "failure";
  at: Date;
}

export type BreakerState = { open: false } | { open: true; until: Date; failures: DeploymentOutcome[] };

/** `outcomes` newest first. */
export function evaluateBreaker(
  outcomes: readonly DeploymentOutcome[],
  now: Date,
  options: BreakerOptions = BREAKER_DEFAULTS,
): BreakerState {
  const failures: DeploymentOutcome[] = [];
  for (const outcome of outcomes) {
    if (outcome.outcome === "success") break;
    failures.push(outcome);
  }
  if (failures.length < options.threshold) return { open: false };
  const until = new Date(failures[0].at.getTime() + options.pauseMs);
  return until.getTime() > now.getTime()
    ? { open: true, until, failures: failures.slice(0, options.threshold) }
    : { open: false };
}

/** The finished outcomes of recent preview deployments, newest first, reading only as far as the breaker needs. */
export async function readDeploymentOutcomes(
  api: RepoApi,
  now: Date,
  options: BreakerOptions = BREAKER_DEFAULTS,
): Promise<DeploymentOutcome[]> {
  const deployments = (await api.listDeployments({ perPage: options.lookback }))
    .filter((d) => d.environment.startsWith(ENVIRONMENT_PREFIX))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const outcomes: DeploymentOutcome[] = [];
  for (const deployment of deployments) {
    const statuses = (await api.listDeploymentStatuses(deployment.id, 10)).sort(
      (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt),
    );
    const finished = statuses.find((s) => s.state === "success" || s.state === "failure" || s.state === "error");
    let outcome: DeploymentOutcome | null = null;
    if (finished) {
      outcome = {
        environment: deployment.environment,
        outcome: finished.state === "success" ? "success" : "failure",
        at: new Date(finished.createdAt),
      };
    } else if (
      now.getTime() - Date.parse(deployment.createdAt) > options.abandonedAfterMs &&
      statuses[0]?.state !== "inactive"
    ) {
      outcome = {
        environment: deployment.environment,
        outcome: "failure",
        at: new Date(Date.parse(deployment.createdAt) + options.abandonedAfterMs),
      };
    }
    if (!outcome) continue;
    outcomes.push(outcome);
    if (outcome.outcome === "success" || outcomes.length >= options.threshold) break;
  }
  return outcomes;
}

/** Why new deployments are paused right now, for the PR; null when they are not. */
export async function checkBreaker(
  api: RepoApi,
  now: Date,
  options: BreakerOptions = BREAKER_DEFAULTS,
): Promise<{ headline: string; text: string } | null> {
  const state = evaluateBreaker(await readDeploymentOutcomes(api, now, options), now, options);
  if (!state.open) return null;
  const clockOf = (date: Date) => `${date.toISOString().slice(11, 16)} UTC`;
  const list = state.failures.map((f) => `\`${f.environment}\` at ${clockOf(f.at)}`).join(", ");
  return {
    headline: `⏸️ Paused until ${clockOf(state.until)}`,
    text:
      `Preview deployments are paused until ${clockOf(state.until)} after ${state.failures.length} consecutive failed deployments ` +
      `(${list}). The failures are usually a server, token or configuration problem: see the failing runs, fix the cause, ` +
      `and comment again after the pause. \`/destroy\` still works.`,
  };
}
