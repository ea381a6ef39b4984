/**
 * Gathers what `collectStatus` needs from the backend and the configuration: every preview stack with its outputs,
 * the configuration (shared, from a stack, or that of the previews themselves) and a Forge client. Used by
 * `forge-previews status` and the scheduled sweep's job summary.
 */
import { ForgeClient } from "../../providers/forge";
import { UserError } from "../../providers/common/user-error";
import {
  type ConfigEntries,
  fullKey,
  readBackendSettings,
  readConfigSource,
  secretEntriesFromEnv,
  secretValuesFromEnv,
} from "../cli-config";
import { type OperationsContext, listPreviews } from "../operations";
import { parseEntries } from "../pulumi/preview-config";
import { pulumiFor } from "../pulumi/project";
import { missingConfigHint, readConfig } from "../pulumi/stack-config";
import { readOutputs } from "../pulumi/stacks";
import { type StatusReport, collectStatus } from "./collect";

export async function readStatus(ctx: OperationsContext, now: Date = new Date()): Promise<StatusReport> {
  readBackendSettings(ctx.env);
  const cli = pulumiFor(ctx, secretValuesFromEnv(ctx.env));
  const summaries = await listPreviews(ctx);
  const source = readConfigSource(ctx.env);
  let entries: ConfigEntries;
  if (source.kind === "shared") entries = source.entries;
  else {
    // Without shared configuration, the previews' own: they all run on the one server.
    const from = source.kind === "stack" ? source.stack : summaries[0]?.stack;
    if (from === undefined) throw new UserError(missingConfigHint("<stack>"));
    entries = { ...(await readConfig(cli, from, { showSecrets: true })), ...secretEntriesFromEnv(ctx.env) };
  }
  const config = parseEntries(entries, source);
  const previews = [];
  for (const summary of summaries)
    previews.push({ summary, outputs: await readOutputs(cli, summary.stack).catch(() => ({})) });
  const token = entries[fullKey("forgeToken")]?.value;
  const forge = new ForgeClient({
    baseUrl: config.forge.apiUrl,
    org: config.forge.org,
    token: () => token,
    retry: { attempts: 2 },
    timeoutMs: 15_000,
  });
  return collectStatus({ config, entries, previews, forge, now });
}
