/**
 * What sweep does with one preview stack, decided from facts gathered beforehand so every rule is a table test:
 * a closed PR's preview goes; an open PR's preview goes once it has not been updated for the TTL and a warning was
 * posted at least `warnDays` earlier; the `keep-preview` label exempts it; anything sweep cannot be sure about is
 * left alone.
 */
import type { PullRequestInfo } from "../github/github-api";
import type { PreviewSummary } from "../github/operations-port";
import type { StickyState } from "../github/sticky-state";

export interface SweepOptions {
  ttlDays: number;
  warnDays: number;
  keepLabel: string;
}

export const SWEEP_DEFAULTS = { ttlDays: 30, warnDays: 3, keepLabel: "keep-preview" } as const satisfies SweepOptions;

export interface SweepFacts {
  preview: PreviewSummary;
  /** The app's repository, or null when the app is not configured. */
  repository: string | null;
  /** The PR, or null when the token cannot see it. Absent when not looked up (unknown app). */
  pull?: PullRequestInfo | null;
  /** The warning recorded in the PR's sticky comment, if any. */
  warning: StickyState["expiryWarning"];
}

export type SweepAction =
  | { action: "destroy"; reason: string }
  | { action: "warn"; reason: string; destroyAfter: Date }
  | { action: "keep"; reason: string }
  | { action: "skip"; reason: string };

const DAY_MS = 24 * 60 * 60 * 1000;

export function planSweep(facts: SweepFacts, now: Date, options: SweepOptions = SWEEP_DEFAULTS): SweepAction {
  const { preview, pull } = facts;
  if (facts.repository === null)
    return {
      action: "skip",
      reason: `app \`${preview.app}\` is not in the \`apps\` config, so its PR cannot be checked`,
    };
  if (preview.status === "in-progress") return { action: "skip", reason: "an update is running on the stack" };
  if (pull === undefined || pull === null) {
    return {
      action: "skip",
      reason: `PR ${facts.repository}#${preview.pr} cannot be read with the token (deleted, or no access); left alone`,
    };
  }
  if (pull.state === "closed")
    return {
      action: "destroy",
      reason: `PR ${facts.repository}#${preview.pr} is ${pull.merged ? "merged" : "closed"}`,
    };
  if (pull.labels.includes(options.keepLabel)) return { action: "keep", reason: `labelled \`${options.keepLabel}\`` };
  if (preview.lastUpdate === null || Number.isNaN(Date.parse(preview.lastUpdate))) {
    return { action: "skip", reason: "the stack's last update time is unknown" };
  }
  const lastUpdate = Date.parse(preview.lastUpdate);
  const expiresAt = lastUpdate + options.ttlDays * DAY_MS;
  const warnFrom = expiresAt - options.warnDays * DAY_MS;
  const idleDays = Math.floor((now.getTime() - lastUpdate) / DAY_MS);
  const warning = facts.warning && facts.warning.lastUpdate === preview.lastUpdate ? facts.warning : null;
  if (warning) {
    const destroyAfter = Date.parse(warning.destroyAfter);
    if (now.getTime() >= destroyAfter && now.getTime() >= expiresAt) {
      return {
        action: "destroy",
        reason: `not updated for ${idleDays} days (TTL ${options.ttlDays}); warned at ${warning.warnedAt}`,
      };
    }
    return {
      action: "keep",
      reason: `warned at ${warning.warnedAt}; removal after ${new Date(Math.max(destroyAfter, expiresAt)).toISOString()}`,
    };
  }
  if (now.getTime() < warnFrom)
    return { action: "keep", reason: `updated ${idleDays} days ago; expires ${new Date(expiresAt).toISOString()}` };
  // Never removed without a warning at least warnDays old, even when sweep did not run in time to warn earlier.
  const destroyAfter = new Date(Math.max(expiresAt, now.getTime() + options.warnDays * DAY_MS));
  return { action: "warn", reason: `not updated for ${idleDays} days (TTL ${options.ttlDays})`, destroyAfter };
}
