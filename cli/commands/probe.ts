/**
 * `forge-previews probe --server <id>`: a one-off live check of the Forge behaviours the spec leaves open, run once
 * against a throwaway server before the first preview. It makes a site and what hangs off it, watches what Forge
 * answers, removes everything it made, writes the answers (redacted) as fixtures and prints what it settled.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { UserError } from "../../providers/common/user-error";
import type { ForgeClientOptions } from "../../providers/forge";
import { configKey } from "../../stacks/config-keys";
import { type PlainConfig, isDnsName } from "../../stacks/config-rules";
import { parseFlags } from "../args";
import {
  type ConfigEntries,
  type Env,
  UsageError,
  fullKey,
  readConfigSource,
  secretEntriesFromEnv,
} from "../cli-config";
import type { CliIo } from "../output";
import { findings, formatReport } from "../probe/report";
import { RecordingForgeClient } from "../probe/recorder";
import { Probe, type ProbeResult } from "../probe/run";
import { parseEntries } from "../pulumi/preview-config";
import { pulumiFor, resolveProjectContext } from "../pulumi/project";
import { missingConfigHint, readConfig } from "../pulumi/stack-config";

export const summary = "check once, on a throwaway server, how the real Forge answers where its spec is silent";

export const usage = `Usage: forge-previews probe --server <id> [--out <dir>] [--domain <domain>]

  --server <id>       the Forge id of a throwaway server the probe may create sites on (not one that hosts previews)
  --out <dir>         where the redacted responses go, as fixtures (default: ./forge-probe-<UTC time>); it must not
                      exist yet or be empty
  --domain <domain>   the probe's sites are probe-<run>.<domain> (default: previewDomain); point it at the server
                      for the certificate step to mean anything

About 40 to 60 Forge calls over 5 to 15 minutes, paced inside Forge's 60 requests a minute. It creates two isolated
sites (one after the other), a background process, a failing deployment, a security rule and a Let's Encrypt
certificate, and deletes all of them, also after a failure; anything it could not delete is printed with its id.
Exits with 1 when a step failed or something was left behind.`;

const FLAGS = {
  server: { type: "string", required: "the id of the throwaway Forge server to probe, e.g. `--server 123456`" },
  out: { type: "string" },
  domain: { type: "string" },
} as const;

export interface ProbeRunOptions {
  env: Env;
  cwd: string;
  serverId: number;
  outDir: string;
  domain?: string;
  /** Run id (names and tags carry it); random by default. */
  runId?: string;
  forgeClient?: Omit<ForgeClientOptions, "token">;
  /** Stops the steps; the clean-up still runs. */
  signal?: AbortSignal;
  /** Receives a line for anything worth a second look before the probe starts. */
  warn?: (line: string) => void;
}

export interface ProbeOutcome {
  result: ProbeResult;
  report: string;
  calls: number;
}

/** `--server` as an id, or a UsageError naming the flag and the fix. */
export function parseServerId(raw: string): number {
  const id = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new UsageError(
      `\`--server\` must be a Forge server id (a positive whole number, as Forge shows it), not ${JSON.stringify(raw)}.`,
    );
  return id;
}

/** The fixture folder: refused before any call when it holds anything, so the probe never overwrites a file. */
function checkOutDir(dir: string): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new UsageError(`\`--out\` names ${dir}, which is not a directory; name a new or empty directory.`);
  }
  if (entries.length > 0)
    throw new UsageError(`\`--out\` names ${dir}, which is not empty; name a new or empty directory.`);
}

/** What the command line names, checked before any configuration is read or any call is made. */
function checkInputs(options: Pick<ProbeRunOptions, "outDir" | "domain">): void {
  checkOutDir(options.outDir);
  if (options.domain !== undefined && !isDnsName(options.domain.toLowerCase()))
    throw new UsageError(
      `\`--domain\` must be a DNS name with at least two labels, not ${JSON.stringify(options.domain)}.`,
    );
}

async function readEntries(env: Env, cwd: string): Promise<{ entries: ConfigEntries; config: PlainConfig }> {
  const source = readConfigSource(env);
  let entries: ConfigEntries;
  if (source.kind === "shared") entries = source.entries;
  else if (source.kind === "stack") {
    const cli = pulumiFor(resolveProjectContext({ env, cwd, checkConfigSource: false }), []);
    entries = { ...(await readConfig(cli, source.stack, { showSecrets: true })), ...secretEntriesFromEnv(env) };
  } else throw new UserError(missingConfigHint("<stack>"));
  return { entries, config: parseEntries(entries, source) };
}

/** The probe end to end: configuration, the steps, clean-up, fixtures; returns the printed report. */
export async function runProbe(options: ProbeRunOptions): Promise<ProbeOutcome> {
  checkInputs(options);
  const { entries, config } = await readEntries(options.env, options.cwd);
  const token = entries[fullKey("forgeToken")]?.value;
  if (token === undefined || token === "")
    throw new UserError(`No Forge token: set ${configKey("forgeToken").env} to a token of the organization.`);
  if (options.serverId === config.forge.serverId)
    options.warn?.(
      `server ${options.serverId} is forgeServerId, where previews run; the probe only adds and removes its own objects, but a throwaway server is safer`,
    );
  const app = config.apps[config.defaultApp ?? Object.keys(config.apps)[0]];
  const poll = options.env.FORGE_PREVIEWS_POLL_MS;
  const client = new RecordingForgeClient({
    baseUrl: config.forge.apiUrl,
    org: config.forge.org,
    token,
    ...options.forgeClient,
  });
  const probe = new Probe(client, {
    serverId: options.serverId,
    domain: (options.domain ?? config.previewDomain).toLowerCase(),
    phpVersion: app?.phpVersion ?? "php84",
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(poll !== undefined && /^\d+$/.test(poll) && Number(poll) > 0 ? { pollMs: Number(poll) } : {}),
  });
  const result = await probe.run();
  const report = client.redactString(formatReport(result, options.outDir, client.exchanges.length));
  mkdirSync(options.outDir, { recursive: true });
  const write = (name: string, value: unknown): void =>
    writeFileSync(path.join(options.outDir, name), `${JSON.stringify(value, null, 2)}\n`);
  write("exchanges.json", client.redactedExchanges());
  write("report.json", client.redact({ ...result, findings: findings(result.observations) }));
  return { result, report, calls: client.exchanges.length };
}

function defaultOutDir(cwd: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, "");
  return path.join(cwd, `forge-probe-${stamp}Z`);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  const serverId = parseServerId(flags.server);
  const outDir = flags.out === undefined ? defaultOutDir(io.cwd, new Date()) : path.resolve(io.cwd, flags.out);
  checkInputs({ outDir, ...(flags.domain !== undefined ? { domain: flags.domain } : {}) });
  io.err(`probing server ${serverId}; this takes several minutes`);
  // The first Ctrl-C or SIGTERM stops the steps and lets the clean-up finish; a second one stops at once.
  const interrupt = new AbortController();
  const stop = (): void => {
    io.err("interrupted: removing what the probe made (interrupt again to stop at once and leave it)");
    interrupt.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const { result, report } = await runProbe({
      env: io.env,
      cwd: io.cwd,
      serverId,
      outDir,
      signal: interrupt.signal,
      warn: (line) => io.err(`warning: ${line}`),
      ...(flags.domain !== undefined ? { domain: flags.domain } : {}),
    });
    io.out(report);
    return result.failure === null && result.leftovers.length === 0 ? 0 : 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
