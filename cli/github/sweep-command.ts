/** `forge-previews sweep`: removes previews of closed PRs and previews idle past their TTL (see sweep-plan.ts). */
import { parseArgs } from "node:util";
import { UserError } from "../../providers/common/user-error";
import { parseRepoRef } from "./event";
import { createRepoApi } from "./github-api";
import { runUrlFromEnv } from "./handler-context";
import type { Operations, OperationsContext } from "./operations-port";
import { readProjectConfig } from "./project-config";
import type { Redactor } from "./redactor";
import { SWEEP_DEFAULTS } from "./sweep-plan";
import { runSweep } from "./sweep-run";
import { type CommandIo, createClientFromEnv, createRedactor, reportFatal, summaryWriter } from "./workflow-io";

export const SWEEP_USAGE = `Usage: forge-previews sweep [--dry-run] [--ttl-days 30] [--warn-days 3] [--keep-label keep-preview]

Destroys previews whose PR is closed, and previews not updated for --ttl-days after warning on the PR
--warn-days before. A PR labelled --keep-label is left alone. --dry-run prints the plan and changes nothing.
Needs GITHUB_TOKEN (able to read the app repositories' PRs and comment on them) and FORGE_PREVIEWS_CONFIG.`;

export interface SweepCommandDeps extends CommandIo {
  ops: Operations;
  createOperationsContext(): Promise<OperationsContext>;
}

function readDays(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 3650) {
    throw new UserError(`\`--${flag}\` must be a whole number of days from ${min} to 3650, not ${JSON.stringify(value)}.`);
  }
  return Number(value);
}

export async function runSweepCommand(argv: string[], deps: SweepCommandDeps): Promise<number> {
  let redactor: Redactor | null = null;
  try {
    redactor = createRedactor(deps);
    const { values } = parseArgs({
      args: argv,
      options: {
        "dry-run": { type: "boolean" },
        "ttl-days": { type: "string" },
        "warn-days": { type: "string" },
        "keep-label": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      deps.out(SWEEP_USAGE);
      return 0;
    }
    const ttlDays = readDays(values["ttl-days"], "ttl-days", SWEEP_DEFAULTS.ttlDays, 1);
    const warnDays = readDays(values["warn-days"], "warn-days", SWEEP_DEFAULTS.warnDays, 0);
    if (warnDays >= ttlDays) throw new UserError(`\`--warn-days\` (${warnDays}) must be less than \`--ttl-days\` (${ttlDays}).`);
    const keepLabel = values["keep-label"] ?? SWEEP_DEFAULTS.keepLabel;
    const config = readProjectConfig(deps.env);
    const client = createClientFromEnv(deps);
    const log = (line: string) => deps.out((redactor as Redactor).redact(line));
    const dryRun = values["dry-run"] === true;
    log(`sweep: TTL ${ttlDays} days, warning ${warnDays} days before, \`${keepLabel}\` exempts${dryRun ? "; dry run, nothing is changed" : ""}`);
    const { exitCode, entries } = await runSweep({
      ops: deps.ops,
      opsContext: await deps.createOperationsContext(),
      config,
      repoApi: (fullName) => createRepoApi(client, parseRepoRef(fullName)),
      redactor,
      runUrl: runUrlFromEnv(deps.env),
      now: deps.now,
      log,
      writeSummary: summaryWriter(deps.env),
      dryRun,
      options: { ttlDays, warnDays, keepLabel },
    });
    const count = (action: string) => entries.filter((e) => e.plan.action === action).length;
    log(`sweep: ${entries.length} previews; ${dryRun ? "would destroy" : "destroy"} ${count("destroy")}, ${dryRun ? "would warn" : "warn"} ${count("warn")}, keep ${count("keep")}, skip ${count("skip")}`);
    return exitCode;
  } catch (error) {
    return reportFatal(deps, redactor, "sweep", error);
  }
}
