/**
 * The alerts of a preview's `up` in the GitHub automation: a failure (creation, deployment or certificate), the
 * breaker pausing after it, and their ends (the preview deploys again, the breaker resumes). What changed is judged
 * against a baseline taken before the run: the PR's status comment says whether the preview was live and whether its
 * last run failed, and GitHub's deployment record whether the breaker had tripped. Nothing here fails the run.
 */
import { BREAKER_DEFAULTS, evaluateBreaker, readDeploymentOutcomes } from "../github/breaker";
import type { HandlerContext } from "../github/handler-context";
import type { StickyState } from "../github/sticky-state";
import {
  type PreviewPlace,
  type UpFailureKind,
  breakerPausedAlert,
  breakerResumedResolution,
  serverOverFloorAlert,
  serverWithinFloorsResolution,
  upFailedAlert,
  upFailureKind,
  upSucceededResolution,
} from "./kinds";

export interface UpBaseline {
  /** The PR had no live preview: this run creates it. */
  creating: boolean;
  /** The kind the PR's last failed run was alerted under; null when its last run did not fail. */
  previousFailure: UpFailureKind | null;
  /** At least the breaker's threshold of failures in a row stood before this run. */
  breakerTripped: boolean;
}

function placeOf(ctx: HandlerContext, stack: string, pr: number): PreviewPlace {
  return { app: ctx.target.app, stack, pr, repoUrl: ctx.repoUrl ?? null, runUrl: ctx.runUrl };
}

function warn(ctx: HandlerContext, what: string, error: unknown): void {
  ctx.log(`alerts: ${what} was not checked (${error instanceof Error ? error.message : String(error)})`);
}

/** The kind the PR's last run was alerted under when it failed (read from its status comment); else null. */
export function previousUpFailure(state: StickyState): UpFailureKind | null {
  const creating = state.url === null || state.status === "destroyed" || state.status === "none";
  return state.status === "failed" && state.failure ? upFailureKind(state.failure.step, creating) : null;
}

/** Read before the run's own deployment starts, and only when some channel listens. */
export async function upBaseline(ctx: HandlerContext, state: StickyState): Promise<UpBaseline> {
  const creating = state.url === null || state.status === "destroyed" || state.status === "none";
  const previousFailure = previousUpFailure(state);
  let breakerTripped = false;
  if (ctx.alerts?.enabled) {
    const options = ctx.breaker ?? BREAKER_DEFAULTS;
    try {
      const outcomes = await readDeploymentOutcomes(ctx.api, ctx.now(), options);
      const leading = outcomes.findIndex((o) => o.outcome === "success");
      breakerTripped = (leading < 0 ? outcomes.length : leading) >= options.threshold;
    } catch (error) {
      warn(ctx, "the breaker's history", error);
    }
  }
  return { creating, previousFailure, breakerTripped };
}

export async function alertUpFailed(
  ctx: HandlerContext,
  input: { stack: string; pr: number; failure: { step: string; excerpt: string }; baseline: UpBaseline },
): Promise<void> {
  const alerts = ctx.alerts;
  if (!alerts?.enabled) return;
  const place = placeOf(ctx, input.stack, input.pr);
  await alerts.alert(upFailedAlert(place, input.failure, upFailureKind(input.failure.step, input.baseline.creating)));
  const options = ctx.breaker ?? BREAKER_DEFAULTS;
  try {
    const state = evaluateBreaker(await readDeploymentOutcomes(ctx.api, ctx.now(), options), ctx.now(), options);
    if (state.open) {
      await alerts.alert(
        breakerPausedAlert({
          app: ctx.target.app,
          repository: ctx.api.repo.fullName,
          until: state.until,
          failures: state.failures,
          runUrl: ctx.runUrl,
        }),
      );
    }
  } catch (error) {
    warn(ctx, "the breaker", error);
  }
}

export async function alertUpSucceeded(
  ctx: HandlerContext,
  input: { stack: string; pr: number; url: string | null; baseline: UpBaseline },
): Promise<void> {
  const alerts = ctx.alerts;
  if (!alerts?.enabled) return;
  const place = placeOf(ctx, input.stack, input.pr);
  if (input.baseline.previousFailure)
    await alerts.resolve(upSucceededResolution(place, input.baseline.previousFailure, input.url), { announce: true });
  if (input.baseline.breakerTripped) {
    await alerts.resolve(
      breakerResumedResolution({
        app: ctx.target.app,
        repository: ctx.api.repo.fullName,
        stack: input.stack,
        runUrl: ctx.runUrl,
      }),
      { announce: true },
    );
  }
}

/** A preview whose last run failed was removed: its alert has nothing left to fix. */
export async function alertDestroyed(
  ctx: HandlerContext,
  input: { stack: string; pr: number; reason: string; previousFailure: UpFailureKind | null },
): Promise<void> {
  if (!ctx.alerts?.enabled || input.previousFailure === null) return;
  await ctx.alerts.resolve({
    kind: input.previousFailure,
    app: ctx.target.app,
    subject: input.stack,
    what: `\`${input.stack}\` (PR #${input.pr}) was removed: ${input.reason}.`,
    runUrl: ctx.runUrl,
  });
}

/**
 * A new preview refused for headroom: operators hear that the server is over a floor (one issue per server, kept up
 * to date); a later admission on the same server resolves it. Nothing here fails the run.
 */
export async function alertHeadroom(
  ctx: HandlerContext,
  input: { stack: string; pr: number; failures: readonly { text: string }[] | null },
): Promise<void> {
  const alerts = ctx.alerts;
  if (!alerts?.enabled) return;
  const server = String(ctx.config.forge.serverId);
  if (input.failures === null) {
    await alerts.resolve(serverWithinFloorsResolution(server, ctx.runUrl));
    return;
  }
  const floor = input.failures.map((failure) => failure.text).join("; ");
  await alerts.alert(
    serverOverFloorAlert({ server, floor, refused: placeOf(ctx, input.stack, input.pr), runUrl: ctx.runUrl }),
  );
}
