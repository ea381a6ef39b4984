/** `forge-previews sweep`: removes previews of closed PRs and previews idle past their TTL (see sweep/plan.ts). */
import { UserError } from "../../providers/common/user-error";
import { alertsFromEnv } from "../alerts/alerts";
import { parseFlags } from "../args";
import { parseRepoRef } from "../github/event";
import { createRepoApi } from "../github/github-api";
import { runUrlFromEnv } from "../github/handler-context";
import { readProjectConfig } from "../github/project-config";
import { workflowDepsFor } from "../github/workflow-deps";
import { type WorkflowCommandDeps, createClientFromEnv, runReported, summaryWriter } from "../github/workflow-io";
import type { OperationsContext } from "../operations";
import type { CliIo } from "../output";
import { formatStatusMarkdown } from "../status/render";
import { SWEEP_DEFAULTS } from "../sweep/plan";
import { runSweep } from "../sweep/run";

export const summary = "destroy previews of closed PRs and previews idle past their TTL (warning on the PR first)";

export const usage = `Usage: forge-previews sweep [--dry-run] [--ttl-days 30] [--warn-days 3] [--keep-label keep-preview]

Destroys previews whose PR is closed, and previews not updated for --ttl-days after warning on the PR
--warn-days before. A PR labelled --keep-label is left alone. --dry-run prints the plan and changes nothing.
Needs GITHUB_TOKEN (able to read the app repositories' PRs and comment on them) and FORGE_PREVIEWS_CONFIG.
Alerts (optional): \`alerts.issueRepository\` in the config, FORGE_PREVIEWS_ALERT_WEBHOOK and FORGE_PREVIEWS_ALERT_TOKEN.`;

const FLAGS = {
  "dry-run": { type: "boolean" },
  "ttl-days": { type: "string" },
  "warn-days": { type: "string" },
  "keep-label": { type: "string" },
} as const;

function readDays(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 3650) {
    throw new UserError(
      `\`--${flag}\` must be a whole number of days from ${min} to 3650, not ${JSON.stringify(value)}.`,
    );
  }
  return Number(value);
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runSweepCommand(argv, workflowDepsFor(io));
}

/** The command with its services passed in, so tests can run it against a stub GitHub and fake operations. */
export function runSweepCommand(argv: string[], deps: WorkflowCommandDeps): Promise<number> {
  return runReported(deps, "sweep", async (redactor) => {
    const values = parseFlags(argv, FLAGS);
    const ttlDays = readDays(values["ttl-days"], "ttl-days", SWEEP_DEFAULTS.ttlDays, 1);
    const warnDays = readDays(values["warn-days"], "warn-days", SWEEP_DEFAULTS.warnDays, 0);
    if (warnDays >= ttlDays)
      throw new UserError(`\`--warn-days\` (${warnDays}) must be less than \`--ttl-days\` (${ttlDays}).`);
    const keepLabel = values["keep-label"] ?? SWEEP_DEFAULTS.keepLabel;
    const config = readProjectConfig(deps.env);
    const client = createClientFromEnv(deps);
    const log = (line: string) => deps.out(redactor.redact(line));
    const dryRun = values["dry-run"];
    log(
      `sweep: TTL ${ttlDays} days, warning ${warnDays} days before, \`${keepLabel}\` exempts${dryRun ? "; dry run, nothing is changed" : ""}`,
    );
    const opsContext = await deps.createOperationsContext();
    const { exitCode, entries } = await runSweep({
      ops: deps.ops,
      opsContext,
      config,
      repoApi: (fullName) => createRepoApi(client, parseRepoRef(fullName)),
      redactor,
      runUrl: runUrlFromEnv(deps.env),
      now: deps.now,
      log,
      writeSummary: summaryWriter(deps.env),
      dryRun,
      options: { ttlDays, warnDays, keepLabel },
      alerts: alertsFromEnv(deps, config.alerts, redactor),
    });
    const count = (action: string) => entries.filter((e) => e.plan.action === action).length;
    log(
      `sweep: ${entries.length} previews; ${dryRun ? "would destroy" : "destroy"} ${count("destroy")}, ${dryRun ? "would warn" : "warn"} ${count("warn")}, keep ${count("keep")}, skip ${count("skip")}`,
    );
    if (deps.readStatus) await writeStatusSummary(deps, opsContext, (text) => redactor.redact(text), log);
    return exitCode;
  });
}

/** The server's and the previews' status after the sweep, in the job summary; a failure to read it is only logged. */
async function writeStatusSummary(
  deps: WorkflowCommandDeps,
  ctx: OperationsContext,
  redact: (text: string) => string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const report = await (deps.readStatus as NonNullable<WorkflowCommandDeps["readStatus"]>)(ctx);
    await summaryWriter(deps.env)(redact(formatStatusMarkdown(report, deps.now().getTime())));
    for (const problem of report.problems) log(`status: not read: ${problem}`);
  } catch (error) {
    log(`status: could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}
