/**
 * Stack-level reads and writes through the `pulumi` CLI, each narrowed from the CLI's JSON: the stack list, tags,
 * outputs (secrets stay `[secret]`: `--show-secrets` is never passed), the last update, creation and removal.
 */
import { isRecord } from "../../providers/common/narrow";
import type { PulumiCli } from "./runner";

export interface StackListEntry {
  name: string;
  /** UTC ISO time of the last update; null for a stack that was never updated. */
  lastUpdate: string | null;
  /** Includes the stack and provider resources, so an emptied stack is not 0. */
  resourceCount: number | null;
  /** Reported by Pulumi Cloud only; a DIY backend shows no running updates. */
  updateInProgress: boolean;
}

export interface LastUpdate {
  kind: string | null;
  /** `succeeded`, `failed`, `in-progress`, ... */
  result: string | null;
  startTime: string | null;
  endTime: string | null;
  /** The plain config values the update ran with (secret ones are left out). */
  config: Record<string, string>;
}

function optionalString(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

const BACKEND_HINT =
  "check PULUMI_BACKEND_URL and the passphrase (`forge-previews doctor` checks both), then run the command again.";

export async function listStacks(cli: PulumiCli): Promise<StackListEntry[]> {
  const list = await cli.json(["stack", "ls", "--json"], BACKEND_HINT);
  if (!Array.isArray(list)) throw new Error("`pulumi stack ls --json` did not print an array");
  return list.filter(isRecord).flatMap((entry) => {
    const name = optionalString(entry.name);
    if (name === null) return [];
    return [
      {
        name,
        lastUpdate: optionalString(entry.lastUpdate),
        resourceCount: typeof entry.resourceCount === "number" ? entry.resourceCount : null,
        updateInProgress: entry.updateInProgress === true,
      },
    ];
  });
}

export async function stackExists(cli: PulumiCli, stack: string): Promise<boolean> {
  return (await listStacks(cli)).some((entry) => entry.name === stack);
}

export async function createStack(cli: PulumiCli, stack: string, secretsProvider: string | null): Promise<void> {
  const provider = secretsProvider === null ? [] : ["--secrets-provider", secretsProvider];
  await cli.runChecked(["stack", "init", stack, ...provider], `Could not create stack ${stack}; ${BACKEND_HINT}`, {
    timeoutMs: 120_000,
  });
}

export async function removeStack(cli: PulumiCli, stack: string): Promise<void> {
  await cli.runChecked(
    ["stack", "rm", stack, "--yes"],
    `Stack ${stack} was destroyed but not removed; run \`pulumi stack rm ${stack} --yes\` in the project directory.`,
    { timeoutMs: 120_000 },
  );
}

export async function readTags(cli: PulumiCli, stack: string): Promise<Record<string, string>> {
  const tags = await cli.json(["stack", "tag", "ls", "--json", "--stack", stack], BACKEND_HINT);
  if (!isRecord(tags)) return {};
  return Object.fromEntries(
    Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** Sets the tags whose value differs from `current` (one CLI call each, so unchanged ones cost nothing). */
export async function setTags(
  cli: PulumiCli,
  stack: string,
  wanted: Record<string, string>,
  current: Record<string, string>,
): Promise<void> {
  for (const [name, value] of Object.entries(wanted)) {
    if (current[name] === value) continue;
    await cli.runChecked(
      ["stack", "tag", "set", "--stack", stack, name, "--", value],
      `Could not tag stack ${stack}; ${BACKEND_HINT}`,
      {
        timeoutMs: 120_000,
      },
    );
  }
}

/** Stack outputs with secret ones as the CLI prints them without `--show-secrets`: the string `[secret]`. */
export async function readOutputs(cli: PulumiCli, stack: string): Promise<Record<string, unknown>> {
  const outputs = await cli.json(["stack", "output", "--json", "--stack", stack], BACKEND_HINT);
  return isRecord(outputs) ? outputs : {};
}

/** True when the stack has ever run an update; one that only refreshed (or never ran) cannot have created anything. */
export async function hasRunAnUpdate(cli: PulumiCli, stack: string): Promise<boolean> {
  const history = await cli.json(["stack", "history", "--json", "--stack", stack], BACKEND_HINT);
  return Array.isArray(history) && history.some((entry) => isRecord(entry) && entry.kind === "update");
}

export async function readLastUpdate(cli: PulumiCli, stack: string): Promise<LastUpdate | null> {
  const history = await cli.json(["stack", "history", "--json", "--page-size", "1", "--stack", stack], BACKEND_HINT);
  const last = Array.isArray(history) ? history.find(isRecord) : undefined;
  if (last === undefined) return null;
  const config: Record<string, string> = {};
  if (isRecord(last.config)) {
    for (const [key, entry] of Object.entries(last.config)) {
      if (isRecord(entry) && entry.secret !== true && typeof entry.value === "string") config[key] = entry.value;
    }
  }
  return {
    kind: optionalString(last.kind),
    result: optionalString(last.result),
    startTime: optionalString(last.startTime),
    endTime: optionalString(last.endTime),
    config,
  };
}
