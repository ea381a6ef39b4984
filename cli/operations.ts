/**
 * The operations on preview stacks that the commands and the GitHub automation share: bring a preview up, refresh
 * it, destroy it, list them all. Each validates its input before anything runs, drives the `pulumi` CLI on the
 * configured backend, reports progress one line per resource step, and never returns or prints a secret value.
 */
import { UserError } from "../providers/common/user-error";
import { CapacityExceededError, checkCapacity } from "./capacity";
import {
  type ConfigSource,
  type Env,
  fullKey,
  readBackendSettings,
  readConfigSource,
  secretEntriesFromEnv,
  secretValuesFromEnv,
} from "./cli-config";
import type { MeasureServer } from "./pool/measure";
import { type ServerValues, keptServerValues, serverValuesForUp } from "./pool/stack-server";
import { PER_STACK_KEYS } from "../stacks/config-keys";
import { SERVER_KEYS } from "../stacks/server-pool";
import { sweepLeftovers } from "./leftovers";
import type { HeadroomCheck } from "./status/headroom";
import { EngineProgress, type PhaseTiming } from "./progress";
import { runClearingStaleLocks } from "./pulumi/locks";
import { type PreviewOperation, PreviewOperationError } from "./pulumi/operation-error";
import {
  type PerStackValues,
  applyPreviewConfig,
  newToken,
  parseEntries,
  readKeptValues,
  type ResolvedPreviewConfig,
  resolvePreviewConfig,
} from "./pulumi/preview-config";
import { buildStackName, candidateStackNames } from "../stacks/naming";
import { validatePreviewRef, validateUpRequest } from "./pulumi/preview-stack";
import { PREVIEW_TAGS, type PreviewSummary, buildPreviewSummary, parsePreviewStack } from "./pulumi/preview-summary";
import { type ProjectContext, pulumiFor, resolveProjectContext } from "./pulumi/project";
import type { PulumiCli } from "./pulumi/runner";
import { missingConfigHint, readConfig } from "./pulumi/stack-config";
import { createStack, listStacks, readLastUpdate, readOutputs, readTags, removeStack, setTags } from "./pulumi/stacks";

export { PreviewOperationError } from "./pulumi/operation-error";
export type { PreviewSummary } from "./pulumi/preview-summary";

export interface OperationsContext {
  projectDir: string;
  pulumiBinDir: string;
  env: Record<string, string>;
  onProgress?(line: string): void;
  /** How a server of the pool is measured for placement; by default over SSH (cli/pool/measure.ts). */
  measure?: MeasureServer;
}

/** `app` null: the default app (stack `pr-<n>`). */
export interface PreviewRef {
  app: string | null;
  pr: number;
}

export interface UpRequest extends PreviewRef {
  branch: string;
  sha: string;
  /** Deploy again even when the commit is unchanged. */
  redeploy?: boolean;
  /** Clone the master database again, replacing the PR's data. */
  resetDatabase?: boolean;
}

export interface UpResult {
  stack: string;
  /** Stack outputs; secret ones are the string `[secret]`. */
  outputs: Record<string, unknown>;
  timings: PhaseTiming[];
  changes: Record<string, number>;
}

export interface DestroyResult {
  stack: string;
  /** False when there was no such stack (nothing was done, and that counts as success). */
  existed: boolean;
  timings: PhaseTiming[];
  changes: Record<string, number>;
}

export interface RefreshResult {
  stack: string;
  timings: PhaseTiming[];
  /** What the refresh found: `same` for objects as recorded, `update` for drifted ones, `delete` for gone ones. */
  changes: Record<string, number>;
}

export interface DestroyOptions {
  /** Run the program first so the providers see the current configuration (e.g. a rotated token). */
  runProgram?: boolean;
}

export async function createOperationsContext(
  options: { cwd?: string; onProgress?(line: string): void; env?: Env; projectDir?: string } = {},
): Promise<OperationsContext> {
  const context: ProjectContext = resolveProjectContext(options);
  return { ...context, ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
}

/** Measures phases in order; `run` records how long `fn` took under `phase`. */
class Stopwatch {
  readonly timings: PhaseTiming[] = [];
  readonly startedAt = Date.now();

  async run<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      this.timings.push({ phase, ms: Date.now() - started });
    }
  }

  elapsed(): number {
    return Date.now() - this.startedAt;
  }
}

function cliFor(ctx: OperationsContext): PulumiCli {
  readBackendSettings(ctx.env);
  return pulumiFor(ctx, secretValuesFromEnv(ctx.env));
}

export async function upPreview(request: UpRequest, ctx: OperationsContext): Promise<UpResult> {
  const req = validateUpRequest(request);
  const { secretsProvider } = readBackendSettings(ctx.env);
  const cli = cliFor(ctx);
  const clock = new Stopwatch();
  const { names, source, existed, kept, server } = await clock.run("validate", async () => {
    const existing = new Set((await listStacks(cli)).map((entry) => entry.name));
    const resolved = await resolvePreviewConfig(cli, ctx.env, req, existing);
    // Before the stack or anything else is created; an existing preview is an update and always allowed.
    const previews = [...existing].filter((name) => parsePreviewStack(name) !== null).map((name) => ({ stack: name }));
    const capacity = checkCapacity(previews, resolved.names.stack, resolved.config.maxEnvironments);
    if (!capacity.allowed) throw new CapacityExceededError(resolved.names.stack, capacity);
    const stack = resolved.names.stack;
    const existed = existing.has(stack);
    const kept = existed ? await readKeptValues(cli, ctx.projectDir, stack, KEPT_KEYS) : {};
    // A /preview's check just placed and measured the new stack: its `up` goes by that rather than measuring again.
    const admission = existed ? undefined : takeAdmission(ctx, stack);
    // On a pool a new stack is placed here, before anything is created; an existing one keeps its server.
    const server = admission?.server ?? (await placedServer(ctx, resolved, kept));
    // Admission: only a new preview is measured, on the server it was placed on.
    const headroom = existed ? null : admission ? admission.headroom : await headroomFor(cli, ctx, resolved, server);
    if (headroom?.allowed === false) {
      const { HeadroomRefusedError } = await import("./status/admission");
      throw new HeadroomRefusedError(stack, headroom);
    }
    return { ...resolved, existed, kept, server };
  });
  const stack = names.stack;
  await clock.run("prepare stack", async () => {
    if (!existed) {
      ctx.onProgress?.(`creating stack ${stack}`);
      await createStack(cli, stack, secretsProvider);
    }
    const perStack = {
      ...server,
      branch: req.branch,
      commitSha: req.sha,
      redeployToken: req.redeploy ? newToken() : (kept.redeployToken ?? ""),
      databaseResetToken: req.resetDatabase ? newToken() : (kept.databaseResetToken ?? ""),
    };
    await applyPreviewConfig(cli, { projectDir: ctx.projectDir, env: ctx.env, stack, source, perStack });
    const tags = await readTags(cli, stack);
    const wanted = {
      [PREVIEW_TAGS.app]: names.app,
      [PREVIEW_TAGS.pr]: String(names.pr),
      [PREVIEW_TAGS.branch]: req.branch,
      [PREVIEW_TAGS.createdAt]: tags[PREVIEW_TAGS.createdAt] ?? new Date().toISOString(),
    };
    await setTags(cli, stack, wanted, tags);
  });
  // `--refresh` reads every object first, so one deleted or changed by hand on Forge is recreated or corrected by this
  // update instead of being reported as unchanged (issue #13). It costs reads only, never a Forge write.
  const args = ["up", "--refresh", "--stack", stack, "--yes", "--skip-preview", "--json"];
  const changes = await runEngine(cli, ctx, clock, "up", stack, args);
  const outputs = await clock.run("read outputs", () => readOutputs(cli, stack));
  return { stack, outputs, timings: clock.timings, changes };
}

/** What a preview stack keeps between runs: its deployment inputs and, on a pool, its server. */
const KEPT_KEYS = [...PER_STACK_KEYS, ...SERVER_KEYS];

/**
 * The per-stack values written back before a destroy or refresh: the kept ones and, on a pool, the stack's recorded
 * server, so the engine reaches the server the preview is on. A stack's own configuration already holds them.
 */
async function keptPerStack(
  cli: PulumiCli,
  ctx: OperationsContext,
  stack: string,
  source: ConfigSource,
): Promise<PerStackValues> {
  if (source.kind === "existing") return {};
  const kept = await readKeptValues(cli, ctx.projectDir, stack, KEPT_KEYS);
  const entries =
    source.kind === "shared"
      ? source.entries
      : { ...(await readConfig(cli, source.stack)), ...secretEntriesFromEnv(ctx.env) };
  const perStack = Object.fromEntries(
    PER_STACK_KEYS.flatMap((key) => (kept[key] === undefined ? [] : [[key, kept[key]]])),
  );
  // With one server nothing is parsed here, so a destroy runs whatever else the shared configuration now says.
  const pool = entries[fullKey("poolServers")]?.value ?? "[]";
  if (pool.trim() === "" || pool.trim() === "[]") return perStack;
  return { ...perStack, ...keptServerValues(stack, parseEntries(entries, source).pool, kept) };
}

export async function destroyPreview(
  ref: PreviewRef,
  ctx: OperationsContext,
  options: DestroyOptions = {},
): Promise<DestroyResult> {
  const valid = validatePreviewRef(ref);
  const cli = cliFor(ctx);
  const clock = new Stopwatch();
  const stacks = await clock.run("find stack", () => listStacks(cli));
  const existing = new Set(stacks.map((entry) => entry.name));
  const stack = await findExistingStack(cli, ctx, valid, existing);
  if (stack === null) {
    return { stack: expectedStackName(ctx, valid), existed: false, timings: clock.timings, changes: {} };
  }
  await clock.run("prepare stack", async () => {
    const source = readConfigSource(ctx.env);
    const perStack = await keptPerStack(cli, ctx, stack, source);
    await applyPreviewConfig(cli, { projectDir: ctx.projectDir, env: ctx.env, stack, source, perStack });
  });
  const args = [
    "destroy",
    "--stack",
    stack,
    "--yes",
    "--skip-preview",
    "--json",
    ...(options.runProgram ? ["--run-program"] : []),
  ];
  const changes = await runEngine(cli, ctx, clock, "destroy", stack, args);
  await clock.run("remove leftovers", () => sweepLeftovers(cli, stack, ctx));
  await clock.run("remove stack", () => removeStack(cli, stack));
  return { stack, existed: true, timings: clock.timings, changes };
}

/**
 * Reads every object of an existing preview from Forge, the server's MySQL and Redis, and records what it finds in the
 * stack's state: one gone is dropped (the next `up` recreates it), one changed gets its current values. Changes
 * nothing on Forge. A preview that does not exist is an error, since there is nothing to compare.
 */
export async function refreshPreview(ref: PreviewRef, ctx: OperationsContext): Promise<RefreshResult> {
  const valid = validatePreviewRef(ref);
  const cli = cliFor(ctx);
  const clock = new Stopwatch();
  const stacks = await clock.run("find stack", () => listStacks(cli));
  const stack = await findExistingStack(cli, ctx, valid, new Set(stacks.map((entry) => entry.name)));
  if (stack === null) {
    throw new UserError(
      `There is no preview ${expectedStackName(ctx, valid)} to refresh; \`forge-previews list\` shows the previews, ` +
        "and `forge-previews up` creates one.",
    );
  }
  await clock.run("prepare stack", async () => {
    const source = readConfigSource(ctx.env);
    const perStack = await keptPerStack(cli, ctx, stack, source);
    await applyPreviewConfig(cli, { projectDir: ctx.projectDir, env: ctx.env, stack, source, perStack });
  });
  const changes = await runEngine(cli, ctx, clock, "refresh", stack, [
    "refresh",
    "--stack",
    stack,
    "--yes",
    "--skip-preview",
    "--json",
  ]);
  return { stack, timings: clock.timings, changes };
}

export async function listPreviews(ctx: OperationsContext): Promise<PreviewSummary[]> {
  const cli = cliFor(ctx);
  const entries = (await listStacks(cli)).filter((entry) => parsePreviewStack(entry.name) !== null);
  const defaultApp = entries.some((entry) => parsePreviewStack(entry.name)?.app === null) ? defaultAppOf(ctx) : null;
  const now = Date.now();
  const summaries = await mapLimit(entries, 3, async (entry) => {
    // A stack removed or locked between the list and these reads still gets its line, with what could be read.
    const [outputs, tags, last] = await Promise.all([
      readOutputs(cli, entry.name).catch(unlessBug({})),
      readTags(cli, entry.name).catch(unlessBug({})),
      readLastUpdate(cli, entry.name).catch(unlessBug(null)),
    ]);
    return buildPreviewSummary({ entry, outputs, tags, last, defaultApp, now });
  });
  return summaries
    .filter((summary): summary is PreviewSummary => summary !== null)
    .sort((a, b) => a.app.localeCompare(b.app) || a.pr - b.pr || a.stack.localeCompare(b.stack));
}

/**
 * Whether the server has room for `ref`'s preview (cli/status/headroom.ts), or null when no check applies: the
 * preview exists (its update needs no new room) or both floors are off. Nothing is created either way.
 */
export async function checkHeadroom(ref: PreviewRef, ctx: OperationsContext): Promise<HeadroomCheck | null> {
  const cli = cliFor(ctx);
  const existing = new Set((await listStacks(cli)).map((entry) => entry.name));
  const resolved = await resolvePreviewConfig(cli, ctx.env, validatePreviewRef(ref), existing);
  if (existing.has(resolved.names.stack)) return null;
  // On a pool, the server the new stack would be placed on (its `up` places it the same way).
  const server = await placedServer(ctx, resolved, {});
  const headroom = await headroomFor(cli, ctx, resolved, server);
  if (headroom?.allowed !== false) keepAdmission(ctx, resolved.names.stack, { server, headroom });
  return headroom;
}

/** How long an admission by `checkHeadroom` stands for the `up` that follows it: a /preview runs one right after. */
const ADMISSION_TTL_MS = 2 * 60_000;

interface Admission {
  server: ServerValues;
  headroom: HeadroomCheck | null;
  at: number;
}

/** Admissions in this process, by project and stack (the handler's `up` runs with a copy of the check's context). */
const admissions = new Map<string, Admission>();
const admissionKey = (ctx: OperationsContext, stack: string): string => `${ctx.projectDir}\0${stack}`;

function keepAdmission(ctx: OperationsContext, stack: string, admitted: Omit<Admission, "at">): void {
  admissions.set(admissionKey(ctx, stack), { ...admitted, at: Date.now() });
}

/** The stack's admission when it is recent; used once. */
function takeAdmission(ctx: OperationsContext, stack: string): Omit<Admission, "at"> | undefined {
  const key = admissionKey(ctx, stack);
  const admitted = admissions.get(key);
  admissions.delete(key);
  return admitted !== undefined && Date.now() - admitted.at <= ADMISSION_TTL_MS ? admitted : undefined;
}

/** The stack's server keys: those it `kept`, else the pool's placement (said on `onProgress`); empty with one server. */
function placedServer(
  ctx: OperationsContext,
  resolved: ResolvedPreviewConfig,
  kept: ServerValues,
): Promise<ServerValues> {
  return serverValuesForUp({
    stack: resolved.names.stack,
    config: resolved.config,
    app: resolved.names.app,
    kept,
    measure: ctx.measure,
    env: ctx.env,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
}

async function headroomFor(
  cli: PulumiCli,
  ctx: OperationsContext,
  resolved: ResolvedPreviewConfig,
  server: ServerValues,
): Promise<HeadroomCheck | null> {
  const { maxMemoryPercent, diskMargin } = resolved.config.headroom;
  if (maxMemoryPercent >= 100 && diskMargin === 0) return null;
  // Configuration copied from another stack was read without its secrets; the SSH login needs them.
  const entries =
    resolved.source.kind === "stack"
      ? {
          ...(await readConfig(cli, resolved.source.stack, { showSecrets: true })),
          ...secretEntriesFromEnv(ctx.env),
        }
      : resolved.entries;
  // Loaded on use: only a new preview's `up` reaches the server from here, and `list` or `destroy` never need it.
  const { measureHeadroom } = await import("./status/admission");
  // A pool's placed server: its SSH target in the config, its MySQL keys in the entries.
  const { ssh } = resolved.config;
  const config = {
    ...resolved.config,
    ssh: {
      ...ssh,
      host: server.sshHost ?? ssh.host,
      port: server.sshPort === undefined ? ssh.port : Number(server.sshPort),
      hostKeyFingerprint: server.sshHostKeyFingerprint ?? ssh.hostKeyFingerprint,
    },
  };
  const placed = { ...entries };
  for (const key of ["mysqlSocket", "mysqlDataDir"] as const)
    if (server[key] !== undefined) placed[fullKey(key)] = { value: server[key], secret: false };
  return measureHeadroom(config, placed, resolved.names.app);
}

/** Runs an update-like command, streaming progress; returns the change counts or throws a PreviewOperationError. */
async function runEngine(
  cli: PulumiCli,
  ctx: OperationsContext,
  clock: Stopwatch,
  operation: PreviewOperation,
  stack: string,
  args: string[],
): Promise<Record<string, number>> {
  const progress = new EngineProgress({ redact: (text) => cli.redact(text) });
  const emit = (lines: string[]): void => lines.forEach((line) => ctx.onProgress?.(line));
  ctx.onProgress?.(`pulumi ${operation} ${stack}`);
  // A lock left by a killed run is cleared, and said so; a live one is a StackLockedError naming `unlock`.
  const result = await clock.run(`pulumi ${operation}`, () =>
    runClearingStaleLocks(
      cli,
      stack,
      args,
      {
        onStdoutLine: (line) => emit(progress.accept(line)),
        onStderrLine: (line) => {
          const text = cli.redact(line).trim();
          if (text !== "") ctx.onProgress?.(`        ${text}`);
        },
      },
      (line) => ctx.onProgress?.(line),
    ),
  );
  const report = progress.report();
  const stepIndex = clock.timings.length - 1;
  clock.timings.splice(stepIndex, 0, ...report.steps);
  if (result.exitCode !== 0) {
    const tail = cli.redact(result.stderr.trim()).slice(-2000);
    // Pulumi checks the stack's config against Pulumi.yaml before any event; on a fresh machine that is the file.
    if (/is missing configuration values?/.test(tail)) throw new UserError(`${tail}\n${missingConfigHint(stack)}`);
    throw new PreviewOperationError(operation, stack, report, clock.timings, tail, clock.elapsed());
  }
  return report.changes;
}

/** The existing stack of `ref`; for an app that may be the default one, `pr-<n>` counts when it records that app. */
async function findExistingStack(
  cli: PulumiCli,
  ctx: OperationsContext,
  ref: PreviewRef,
  existing: ReadonlySet<string>,
): Promise<string | null> {
  const [own, fallback] = candidateStackNames({ app: ref.app, pr: ref.pr });
  if (own !== undefined && existing.has(own)) return own;
  if (fallback === undefined || !existing.has(fallback)) return null;
  const tags = await readTags(cli, fallback);
  const recorded = tags[PREVIEW_TAGS.app] ?? (await readOutputs(cli, fallback)).app;
  if (recorded === ref.app) return fallback;
  return recorded === undefined && defaultAppOf(ctx) === ref.app ? fallback : null;
}

/** The stack name `ref` would have; without usable configuration, `<app>-pr-<n>`. */
function expectedStackName(ctx: OperationsContext, ref: PreviewRef): string {
  const isDefault = ref.app === null || defaultAppOf(ctx) === ref.app;
  return buildStackName({ app: isDefault ? null : ref.app, pr: ref.pr });
}

/** The default app from the shared configuration, or null when there is none or it cannot be read. */
function defaultAppOf(ctx: OperationsContext): string | null {
  try {
    const source = readConfigSource(ctx.env);
    return source.kind === "shared" ? parseEntries(source.entries, source).defaultApp : null;
  } catch (error) {
    if (error instanceof UserError) return null;
    throw error;
  }
}

/** Maps a UserError (a failed `pulumi` command) to `fallback`; anything else is a bug and is thrown. */
function unlessBug<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof UserError) return fallback;
    throw error;
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
