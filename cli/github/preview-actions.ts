/**
 * Running an operation with its feedback around it: the sticky comment before and after, the GitHub deployment and
 * its statuses, the job summary, and progress lines kept for the failure excerpt.
 */
import {
  alertDestroyed,
  alertUpFailed,
  alertUpSucceeded,
  previousUpFailure,
  upBaseline,
} from "../alerts/preview-alerts";
import { type DeploymentHandle, deactivateEnvironment, finishDeployment, startDeployment } from "./deployments";
import { ProgressTail, describeFailure } from "./failure";
import type { HandlerContext, HandlerResult } from "./handler-context";
import type { OperationsContext, PreviewRef } from "./operations-port";
import { plainOutput } from "./redactor";
import type { StickyComment } from "./sticky-comment";
import { renderStatus } from "./sticky-render";

export interface PullHead {
  pr: number;
  branch: string;
  sha: string;
}

function withProgress(ctx: HandlerContext, tail: ProgressTail): OperationsContext {
  return {
    ...ctx.opsContext,
    onProgress(line: string) {
      const clean = ctx.redactor.redact(line);
      tail.push(clean);
      ctx.log(clean);
    },
  };
}

async function summarize(ctx: HandlerContext, sticky: StickyComment): Promise<void> {
  await ctx.writeSummary(ctx.redactor.redact(renderStatus(sticky.state)));
}

/** Where reviewers find the basic-auth password, in words: a pointer, never the password. */
function basicAuthHint(ctx: HandlerContext, stack: string): string | null {
  const { mode, passwordHint } = ctx.config.basicAuth;
  if (mode === "off") return null;
  if (mode === "shared") return passwordHint ?? "the team's shared preview credentials (ask a maintainer)";
  return `the stack output: \`pulumi stack output basicAuthPassword --show-secrets -s ${stack}\``;
}

export function previewRef(ctx: HandlerContext, pr: number): PreviewRef {
  return { app: ctx.target.refApp, pr };
}

export async function runUp(
  ctx: HandlerContext,
  sticky: StickyComment,
  input: {
    head: PullHead;
    stack: string;
    redeploy: boolean;
    resetDatabase: boolean;
    /** Shown on the comment once the preview is ready, e.g. what a push changed. */
    readyNotice?: string;
  },
): Promise<HandlerResult & { ok: boolean }> {
  const { head, stack } = input;
  const baseline = await upBaseline(ctx, sticky.state);
  const deployment: DeploymentHandle = await startDeployment(ctx.api, {
    stack,
    pr: head.pr,
    sha: head.sha,
    runUrl: ctx.runUrl,
  });
  sticky.update({
    stack,
    app: ctx.target.app,
    status: "deploying",
    branch: head.branch,
    commit: head.sha,
    runUrl: ctx.runUrl,
    repoUrl: ctx.repoUrl ?? null,
    updatedAt: ctx.now().toISOString(),
    failure: null,
    notice: null,
    timings: [],
  });
  await sticky.save();
  const tail = new ProgressTail();
  const started = Date.now();
  try {
    const result = await ctx.ops.upPreview(
      {
        ...previewRef(ctx, head.pr),
        branch: head.branch,
        sha: head.sha,
        redeploy: input.redeploy,
        resetDatabase: input.resetDatabase,
      },
      withProgress(ctx, tail),
    );
    // Before anything prints or posts an output, the runner learns every secret among them.
    ctx.redactor.addFromOutputs(result.outputs);
    const url = plainOutput(result.outputs, "url");
    sticky.update({
      status: "ready",
      url,
      commit: plainOutput(result.outputs, "commit") ?? head.sha,
      snapshot: plainOutput(result.outputs, "snapshot"),
      basicAuthUser: plainOutput(result.outputs, "basicAuthUser"),
      basicAuthHint: basicAuthHint(ctx, stack),
      timings: result.timings.length > 0 ? result.timings : [{ phase: "up", ms: Date.now() - started }],
      updatedAt: ctx.now().toISOString(),
      // A fresh update restarts the time-to-live, so an earlier expiry warning no longer applies.
      expiryWarning: null,
      notice: input.readyNotice ? { kind: "info", text: input.readyNotice, at: ctx.now().toISOString() } : null,
    });
    await sticky.save();
    await finishDeployment(ctx.api, deployment, { ok: true, url, runUrl: ctx.runUrl });
    await summarize(ctx, sticky);
    await alertUpSucceeded(ctx, { stack, pr: head.pr, url, baseline });
    return { ok: true, exitCode: 0, outcome: `${stack} is ready${url ? ` at ${url}` : ""}` };
  } catch (error) {
    const failure = describeFailure(error, tail, "pulumi up", ctx.redactor);
    sticky.update({
      status: "failed",
      failure,
      updatedAt: ctx.now().toISOString(),
      timings: [{ phase: "up (failed)", ms: Date.now() - started }],
    });
    await sticky.save();
    await finishDeployment(ctx.api, deployment, { ok: false, step: failure.step, runUrl: ctx.runUrl });
    await summarize(ctx, sticky);
    // After the deployment's failure is recorded, so the breaker's check counts it.
    await alertUpFailed(ctx, { stack, pr: head.pr, failure, baseline });
    ctx.log(`up failed at ${failure.step}:\n${failure.excerpt}`);
    return { ok: false, exitCode: 1, outcome: `${stack} failed at ${failure.step}` };
  }
}

/**
 * Destroys the preview. A PR that never had a preview gets no comment: the sticky comment is only written when it
 * already exists or when someone asked (`/destroy`).
 */
export async function runDestroy(
  ctx: HandlerContext,
  sticky: StickyComment,
  input: { pr: number; stack: string; reason: string; requested: boolean },
): Promise<HandlerResult & { ok: boolean }> {
  const shouldComment = sticky.exists || input.requested;
  const previousFailure = previousUpFailure(sticky.state);
  if (sticky.exists) {
    sticky.update({ status: "destroying", runUrl: ctx.runUrl, updatedAt: ctx.now().toISOString(), notice: null });
    await sticky.save();
  }
  const tail = new ProgressTail();
  const started = Date.now();
  try {
    const result = await ctx.ops.destroyPreview(previewRef(ctx, input.pr), withProgress(ctx, tail));
    await deactivateEnvironment(ctx.api, input.stack, ctx.runUrl);
    await alertDestroyed(ctx, { stack: input.stack, pr: input.pr, reason: input.reason, previousFailure });
    if (shouldComment) {
      sticky.update({
        stack: input.stack,
        app: ctx.target.app,
        status: result.existed || sticky.exists ? "destroyed" : "none",
        runUrl: ctx.runUrl,
        updatedAt: ctx.now().toISOString(),
        failure: null,
        expiryWarning: null,
        timings: [{ phase: "destroy", ms: Date.now() - started }],
        notice: {
          kind: "info",
          text: result.existed ? `Removed: ${input.reason}.` : `There was no preview to remove (${input.reason}).`,
          at: ctx.now().toISOString(),
        },
      });
      await sticky.save();
      await summarize(ctx, sticky);
    }
    return {
      ok: true,
      exitCode: 0,
      outcome: result.existed
        ? `${input.stack} destroyed (${input.reason})`
        : `${input.stack} did not exist; nothing to destroy`,
    };
  } catch (error) {
    const failure = describeFailure(error, tail, "pulumi destroy", ctx.redactor);
    if (shouldComment) {
      sticky.update({
        stack: input.stack,
        app: ctx.target.app,
        status: "destroy-failed",
        failure,
        runUrl: ctx.runUrl,
        updatedAt: ctx.now().toISOString(),
      });
      await sticky.save();
      await summarize(ctx, sticky);
    }
    ctx.log(`destroy failed at ${failure.step}:\n${failure.excerpt}`);
    return { ok: false, exitCode: 1, outcome: `${input.stack} could not be destroyed (failed at ${failure.step})` };
  }
}
