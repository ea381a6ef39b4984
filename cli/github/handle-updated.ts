/**
 * `pull_request` synchronize (new commits) or reopened: a PR that has a preview gets the new head deployed, as
 * `/update` would, so the comment and the deployment always show the commit the preview runs. A PR without a
 * preview gets nothing, not even a comment: a preview is only ever created on request. `autoUpdate: false` on the
 * app turns this off.
 */
import { COMMIT_SHA, branchProblem } from "../../providers/deployment/script";
import { checkBreaker } from "./breaker";
import type { PullRequestUpdatedEvent } from "./event";
import type { HandlerContext, HandlerResult } from "./handler-context";
import { runUp } from "./preview-actions";
import { stackFor } from "./project-config";
import { StickyComment } from "./sticky-comment";

/** The short form of a commit id that GitHub shows. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

async function notify(
  ctx: HandlerContext,
  pr: number,
  text: string,
  headline = "🚫 Push not deployed",
): Promise<HandlerResult> {
  const sticky = await StickyComment.load(ctx.api, pr, ctx.redactor);
  sticky.update({ notice: { kind: "refused", text, at: ctx.now().toISOString(), headline } });
  await sticky.save();
  return { exitCode: 0, outcome: `not updated: ${text.split("\n")[0]}` };
}

export async function handlePullRequestUpdated(
  ctx: HandlerContext,
  event: PullRequestUpdatedEvent,
): Promise<HandlerResult> {
  if (event.isFork) return { exitCode: 0, outcome: `PR #${event.pr} comes from a fork and has no preview` };
  if (!ctx.config.apps[ctx.target.app].autoUpdate)
    return { exitCode: 0, outcome: `automatic updates are off for app ${ctx.target.app} (autoUpdate: false)` };
  const stack = stackFor(ctx.config, ctx.target, event.pr);
  const previews = await ctx.ops.listPreviews(ctx.opsContext);
  if (!previews.some((p) => p.stack === stack))
    return { exitCode: 0, outcome: `PR #${event.pr} has no preview (${stack}); nothing to update` };
  const short = shortSha(event.headSha);
  const problem = branchProblem(event.headRef);
  if (problem)
    return notify(ctx, event.pr, `\`${short}\` was not deployed: the PR's branch name ${problem}; rename the branch.`);
  if (!COMMIT_SHA.test(event.headSha))
    return notify(ctx, event.pr, `GitHub reported a head commit that is not a commit id; comment \`/update\`.`);
  const paused = await checkBreaker(ctx.api, ctx.now(), ctx.breaker);
  if (paused) return notify(ctx, event.pr, `\`${short}\` was not deployed. ${paused.text}`, paused.headline);
  const sticky = await StickyComment.load(ctx.api, event.pr, ctx.redactor);
  return runUp(ctx, sticky, {
    head: { pr: event.pr, branch: event.headRef, sha: event.headSha },
    stack,
    redeploy: true,
    resetDatabase: false,
    readyNotice: `♻️ updated to \`${short}\` after ${event.action === "reopened" ? "the PR was reopened" : "a push"}.`,
  });
}
