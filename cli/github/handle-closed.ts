/** `pull_request` closed (merged or not): the preview goes, since nobody will look at it again. */
import type { PullRequestClosedEvent } from "./event";
import type { HandlerContext, HandlerResult } from "./handler-context";
import { runDestroy } from "./preview-actions";
import { stackFor } from "./project-config";
import { StickyComment } from "./sticky-comment";

export async function handlePullRequestClosed(
  ctx: HandlerContext,
  event: PullRequestClosedEvent,
): Promise<HandlerResult> {
  // Fork PRs never get a preview, and their `pull_request` runs have no secrets to destroy one with.
  if (event.isFork) return { exitCode: 0, outcome: `PR #${event.pr} comes from a fork and has no preview` };
  const stack = stackFor(ctx.config, ctx.target, event.pr);
  const sticky = await StickyComment.load(ctx.api, event.pr, ctx.redactor);
  return runDestroy(ctx, sticky, {
    pr: event.pr,
    stack,
    reason: `PR #${event.pr} was ${event.merged ? "merged" : "closed"}`,
    requested: false,
  });
}
