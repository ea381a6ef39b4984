/**
 * `issue_comment` on a pull request: finds the command, acknowledges it at once, checks who asked and on which PR,
 * then runs it. Every refusal is explained in the PR's sticky comment; the run itself only fails when the
 * operation does.
 */
import { COMMIT_SHA, branchProblem } from "../../providers/deployment/script";
import { UserError } from "../../providers/common/user-error";
import { alertHeadroom } from "../alerts/preview-alerts";
import { checkBreaker } from "./breaker";
import { checkCapacity } from "../capacity";
import { capacityHeadline, describeCapacityRefusal, describeHeadroomRefusalOnPr, headroomHeadline } from "./capacity";
import { type CommentCommand, parseCommentCommand } from "./comment-commands";
import type { CommentEvent } from "./event";
import type { Permission, PullRequestInfo } from "./github-api";
import type { HandlerContext, HandlerResult } from "./handler-context";
import { previewRef, runDestroy, runUp } from "./preview-actions";
import { stackFor } from "./project-config";
import { StickyComment } from "./sticky-comment";

const WRITE_PERMISSIONS: readonly Permission[] = ["admin", "maintain", "write"];

async function refuse(
  ctx: HandlerContext,
  event: CommentEvent,
  text: string,
  headline = "🚫 Command not run",
): Promise<HandlerResult> {
  const sticky = await StickyComment.load(ctx.api, event.pr, ctx.redactor);
  sticky.update({ notice: { kind: "refused", text, at: ctx.now().toISOString(), headline } });
  await sticky.save();
  await ctx.api.addReaction(event.commentId, "-1");
  await ctx.writeSummary(ctx.redactor.redact(`### Refused\n\n${text}`));
  return { exitCode: 0, outcome: `refused: ${text.split("\n")[0]}` };
}

function describeFork(pull: PullRequestInfo): string {
  return (
    `This pull request comes from ${pull.headRepo ? `the fork \`${pull.headRepo}\`` : "a fork that no longer exists"}, ` +
    `so it gets no preview: its code would run on the preview server next to data derived from production. ` +
    `A maintainer can push the branch to ${pull.baseRepo} and open the PR from there.`
  );
}

async function runCommand(
  ctx: HandlerContext,
  event: CommentEvent,
  command: CommentCommand,
  pull: PullRequestInfo,
): Promise<HandlerResult> {
  const stack = stackFor(ctx.config, ctx.target, event.pr);
  if (command.name === "destroy") {
    const sticky = await StickyComment.load(ctx.api, event.pr, ctx.redactor);
    const result = await runDestroy(ctx, sticky, {
      pr: event.pr,
      stack,
      reason: `\`/destroy\` by @${event.author.login}`,
      requested: true,
    });
    await ctx.api.addReaction(event.commentId, result.ok ? "rocket" : "-1");
    return result;
  }
  // The branch name is the PR author's text and ends up in a deploy script: refused here unless it is a plain ref name.
  const problem = branchProblem(pull.headRef);
  if (problem)
    return refuse(ctx, event, `The PR's branch name ${problem}, so it cannot be deployed; rename the branch.`);
  if (!COMMIT_SHA.test(pull.headSha))
    return refuse(ctx, event, `GitHub reported a head commit that is not a commit id; comment again.`);
  const paused = await checkBreaker(ctx.api, ctx.now(), ctx.breaker);
  if (paused) return refuse(ctx, event, paused.text, paused.headline);
  const previews = await ctx.ops.listPreviews(ctx.opsContext);
  const capacity = checkCapacity(previews, stack, ctx.config.maxEnvironments);
  if (!capacity.allowed) return refuse(ctx, event, describeCapacityRefusal(capacity), capacityHeadline(capacity));
  // Only a new preview needs room; an existing one's update is never refused for headroom.
  if (!previews.some((p) => p.stack === stack)) {
    let headroom: Awaited<ReturnType<typeof ctx.ops.checkHeadroom>>;
    try {
      headroom = await ctx.ops.checkHeadroom(previewRef(ctx, event.pr), ctx.opsContext);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return refuse(ctx, event, error.message, "🚫 Server not measured");
    }
    if (headroom !== null)
      await alertHeadroom(ctx, { stack, pr: event.pr, failures: headroom.allowed ? null : headroom.failures });
    if (headroom?.allowed === false)
      return refuse(ctx, event, describeHeadroomRefusalOnPr(stack, headroom), headroomHeadline(headroom));
  }
  const sticky = await StickyComment.load(ctx.api, event.pr, ctx.redactor);
  const result = await runUp(ctx, sticky, {
    head: { pr: event.pr, branch: pull.headRef, sha: pull.headSha },
    stack,
    redeploy: command.name === "update",
    resetDatabase: command.resetDatabase,
  });
  await ctx.api.addReaction(event.commentId, result.ok ? "rocket" : "-1");
  return result;
}

export async function handleComment(ctx: HandlerContext, event: CommentEvent): Promise<HandlerResult> {
  if (event.author.isBot)
    return { exitCode: 0, outcome: `comment by the bot ${event.author.login}; bots cannot run commands` };
  const parsed = parseCommentCommand(event.body);
  if (parsed.kind === "none") {
    if (!ctx.gated) return { exitCode: 0, outcome: "no command in the comment" };
    return refuse(
      ctx,
      event,
      "Nothing was run: a command counts only as the first word of a line in a plain paragraph, not inside a quote " +
        "(including a line that continues one), a list, code or HTML. Comment it on a line of its own.",
    );
  }
  // Acknowledged before any check, so the commenter sees at once that the comment was read.
  await ctx.api.addReaction(event.commentId, "eyes");
  if (parsed.kind === "invalid") return refuse(ctx, event, `\`${parsed.line}\` was not run: ${parsed.problem}`);
  const { command } = parsed;
  ctx.log(
    `command /${command.name}${command.resetDatabase ? " reset-db" : ""} from @${event.author.login} on PR #${event.pr}`,
  );

  const permission = await ctx.api.getPermission(event.author.login);
  if (!WRITE_PERMISSIONS.includes(permission)) {
    return refuse(
      ctx,
      event,
      `@${event.author.login} cannot run \`/${command.name}\`: it needs write access to ${event.repo.fullName} (they have \`${permission}\`).`,
    );
  }
  const pull = await ctx.api.getPull(event.pr);
  if (!pull)
    return refuse(
      ctx,
      event,
      `PR #${event.pr} could not be read with the workflow's token; check its \`pull-requests: read\` permission.`,
    );
  if (pull.headRepo === null || pull.headRepo.toLowerCase() !== pull.baseRepo.toLowerCase())
    return refuse(ctx, event, describeFork(pull));
  if (pull.state !== "open" && command.name !== "destroy") {
    return refuse(
      ctx,
      event,
      `PR #${event.pr} is ${pull.merged ? "merged" : "closed"}, so it gets no preview; \`/destroy\` still removes one left behind.`,
    );
  }
  return runCommand(ctx, event, command, pull);
}
