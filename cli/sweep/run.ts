/**
 * `forge-previews sweep`: looks at every preview stack, plans what to do with each (see plan.ts), prints the
 * plan, and unless it is a dry run carries it out: warns on the PR, or destroys and says so on the PR. One preview's
 * failure does not stop the others; the run fails at the end if any did.
 */
import type { PlainConfig } from "../../stacks/config-rules";
import type { Alerts } from "../alerts/alerts";
import { sweepFailedAlert, sweepStoppedAlert, sweepSucceededResolution } from "../alerts/kinds";
import type { RepoApi } from "../github/github-api";
import type { HandlerContext } from "../github/handler-context";
import type { Operations, OperationsContext, PreviewSummary } from "../github/operations-port";
import { runDestroy } from "../github/preview-actions";
import { parseRepoRef } from "../github/event";
import type { Redactor } from "../github/redactor";
import { StickyComment } from "../github/sticky-comment";
import { type SweepAction, type SweepOptions, planSweep } from "./plan";

export interface SweepContext {
  ops: Operations;
  opsContext: OperationsContext;
  config: PlainConfig;
  /** The API of one repository (`owner/name`). */
  repoApi(fullName: string): RepoApi;
  redactor: Redactor;
  runUrl: string | null;
  now(): Date;
  log(line: string): void;
  writeSummary(markdown: string): Promise<void>;
  dryRun: boolean;
  options: SweepOptions;
  /** Operators' alert channels: told when previews could not be swept, and when a later sweep had no failure. */
  alerts?: Alerts;
}

export interface SweepEntry {
  preview: PreviewSummary;
  plan: SweepAction;
  /** What happened; null on a dry run. */
  result: "done" | "failed" | null;
  /** Why it failed, redacted. */
  error?: string;
}

function warningText(
  preview: PreviewSummary,
  plan: Extract<SweepAction, { action: "warn" }>,
  options: SweepOptions,
): string {
  return (
    `The preview \`${preview.stack}\` has not been updated for a while (${plan.reason}) and will be removed after ` +
    `${plan.destroyAfter.toISOString()}. Comment \`/update\` to keep it for another ${options.ttlDays} days, ` +
    `or add the label \`${options.keepLabel}\` to keep it until the PR closes.`
  );
}

async function carryOut(
  ctx: SweepContext,
  entry: SweepEntry,
  api: RepoApi,
  sticky: StickyComment | null,
): Promise<void> {
  const { preview, plan } = entry;
  if (plan.action === "warn") {
    const comment = sticky ?? (await StickyComment.load(api, preview.pr, ctx.redactor));
    const at = ctx.now().toISOString();
    const text = warningText(preview, plan, ctx.options);
    // A separate comment notifies the PR's participants; the sticky comment records the warning for the next run.
    await api.createComment(preview.pr, ctx.redactor.redact(`⏰ ${text}`));
    comment.update({
      expiryWarning: {
        lastUpdate: preview.lastUpdate ?? at,
        warnedAt: at,
        destroyAfter: plan.destroyAfter.toISOString(),
      },
      notice: { kind: "expiry", text, at },
    });
    await comment.save();
    return;
  }
  if (plan.action !== "destroy") return;
  const isDefaultApp = preview.app === ctx.config.defaultApp;
  const handlerContext: HandlerContext = {
    api,
    ops: ctx.ops,
    opsContext: ctx.opsContext,
    config: ctx.config,
    target: { app: preview.app, isDefaultApp, refApp: isDefaultApp ? null : preview.app },
    redactor: ctx.redactor,
    runUrl: ctx.runUrl,
    now: ctx.now,
    log: ctx.log,
    writeSummary: async () => undefined,
  };
  const comment = sticky ?? (await StickyComment.load(api, preview.pr, ctx.redactor));
  const result = await runDestroy(handlerContext, comment, {
    pr: preview.pr,
    stack: preview.stack,
    reason: `removed by sweep: ${plan.reason}`,
    requested: false,
  });
  if (!result.ok) throw new Error(result.outcome);
}

export async function runSweep(ctx: SweepContext): Promise<{ exitCode: number; entries: SweepEntry[] }> {
  let previews: PreviewSummary[];
  try {
    previews = await ctx.ops.listPreviews(ctx.opsContext);
  } catch (error) {
    if (ctx.alerts && !ctx.dryRun) {
      const why = ctx.redactor.redact(error instanceof Error ? error.message : String(error)).split("\n")[0];
      await ctx.alerts.alert(sweepStoppedAlert(why.slice(0, 300), ctx.runUrl));
    }
    throw error;
  }
  const entries: SweepEntry[] = [];
  const apis = new Map<string, RepoApi>();
  for (const preview of [...previews].sort((a, b) => a.stack.localeCompare(b.stack))) {
    const repository = ctx.config.apps[preview.app]?.repository ?? null;
    let entry: SweepEntry;
    let api: RepoApi | null = null;
    let sticky: StickyComment | null = null;
    try {
      if (repository === null) {
        entry = {
          preview,
          plan: planSweep({ preview, repository, warning: null }, ctx.now(), ctx.options),
          result: null,
        };
      } else {
        if (!apis.has(repository)) apis.set(repository, ctx.repoApi(parseRepoRef(repository).fullName));
        api = apis.get(repository) as RepoApi;
        const pull = await api.getPull(preview.pr);
        if (pull && pull.state === "open") sticky = await StickyComment.load(api, preview.pr, ctx.redactor);
        const plan = planSweep(
          { preview, repository, pull, warning: sticky?.state.expiryWarning ?? null },
          ctx.now(),
          ctx.options,
        );
        entry = { preview, plan, result: null };
      }
    } catch (error) {
      entry = {
        preview,
        plan: {
          action: "skip",
          reason: `checking the PR failed: ${ctx.redactor.redact(error instanceof Error ? error.message : String(error))}`,
        },
        result: "failed",
      };
    }
    ctx.log(
      `${ctx.dryRun ? "would " : ""}${entry.plan.action.padEnd(7)} ${preview.stack.padEnd(24)} ${entry.plan.reason}`,
    );
    if (!ctx.dryRun && api && (entry.plan.action === "destroy" || entry.plan.action === "warn")) {
      try {
        await carryOut(ctx, entry, api, sticky);
        entry.result = "done";
      } catch (error) {
        entry.result = "failed";
        entry.error = ctx.redactor.redact(error instanceof Error ? error.message : String(error));
        ctx.log(`  failed: ${entry.error}`);
      }
    }
    entries.push(entry);
  }
  await ctx.writeSummary(ctx.redactor.redact(renderSweepSummary(entries, ctx.dryRun)));
  await alertSweep(ctx, entries);
  return { exitCode: entries.some((e) => e.result === "failed") ? 1 : 0, entries };
}

async function alertSweep(ctx: SweepContext, entries: readonly SweepEntry[]): Promise<void> {
  if (!ctx.alerts?.enabled || ctx.dryRun) return;
  const failed = entries
    .filter((e) => e.result === "failed")
    .map((e) => ({ stack: e.preview.stack, why: (e.error ?? e.plan.reason).split("\n")[0].slice(0, 300) }));
  if (failed.length > 0) await ctx.alerts.alert(sweepFailedAlert(failed, ctx.runUrl));
  else await ctx.alerts.resolve(sweepSucceededResolution(ctx.runUrl));
}

export function renderSweepSummary(entries: readonly SweepEntry[], dryRun: boolean): string {
  const rows = entries.map(
    (e) =>
      `| \`${e.preview.stack}\` | ${e.plan.action} | ${e.plan.reason.replace(/\|/g, "\\|")} | ${e.result ?? (dryRun ? "dry run" : "-")} |`,
  );
  return [
    `### Preview sweep${dryRun ? " (dry run)" : ""}`,
    "",
    "| stack | action | why | result |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
