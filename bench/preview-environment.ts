/**
 * Benchmark: one preview environment (`pr-1` of the demo app) created by `pulumi up` against the Forge simulator's
 * realistic profile, on MariaDB, Redis and sshd started for the run. Prints the Forge calls by kind, the wall time,
 * the chain of resources that set it, engine start-up, `/update` and `destroy`, and last the time to ready against
 * site + deployment + health check; fails when Forge answered 429 (with the simulator holding Forge's
 * 60 requests a minute, scaled like every other duration).
 *
 *   npx ts-node --transpile-only bench/preview-environment.ts [--time-scale 0.25]
 *
 * Forge's durations are multiplied by the time scale, and so are the poll interval and the rate-limit window, so
 * the run keeps Forge's proportions; divide the Forge-side durations by the scale to read them at Forge's pace.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { startEmbeddedDefault, toConfigJson } from "../tools/sandbox/embedded-default";
import { startLocalServices } from "../tools/sandbox/local-services";
import { REPO_ROOT, locatePulumiBinDir } from "../tools/sandbox/pulumi-cli";
import { PROJECT_ENTRIES, PROJECT_NAME as PROJECT } from "../providers/common/project";
import {
  type ResourceSpan,
  type StampedLine,
  criticalPath,
  parseDependencies,
  readiness,
  resourceSpans,
} from "./engine-timeline";
import { type CallCounts, callsByResource, classifyCalls, countCalls } from "./forge-calls";
import { emptyProgramFloor, printEngineLines, timeOperation } from "./engine-start";

const STACK = "pr-1";
/** Forge's first poll pause, as `pollPacing()` uses it against Forge itself. */
const FORGE_POLL_MS = 2_000;
const FORGE_RATE_WINDOW_MS = 60_000;

function parseTimeScale(argv: readonly string[]): number {
  const index = argv.indexOf("--time-scale");
  const raw = index >= 0 ? argv[index + 1] : (process.env.BENCH_TIME_SCALE ?? "0.25");
  const scale = Number(raw);
  if (!(scale > 0 && scale <= 1))
    throw new Error(`--time-scale must be a number above 0 and at most 1, not ${JSON.stringify(raw)}`);
  return scale;
}

interface PulumiResult {
  code: number | null;
  lines: StampedLine[];
  stderr: string;
}

/** Runs the CLI, stamping each stdout line as it arrives. Arguments are never echoed: some carry secrets. */
function runPulumi(binDir: string, cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<PulumiResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir, "pulumi"), [...args, "--non-interactive"], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: StampedLine[] = [];
    const stderr: Buffer[] = [];
    createInterface({ input: child.stdout }).on("line", (text) => lines.push({ at: Date.now(), text }));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, lines, stderr: Buffer.concat(stderr).toString("utf8") }));
  });
}

async function mustRun(
  binDir: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  what: string,
): Promise<PulumiResult> {
  const result = await runPulumi(binDir, cwd, env, args);
  if (result.code !== 0) {
    const output = [result.stderr, ...result.lines.map((l) => l.text)].join("\n").slice(-4000);
    throw new Error(`\`pulumi ${what}\` exited with ${result.code}:\n${output}`);
  }
  return result;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const shortType = (type: string): string => type.replace("pulumi-nodejs:dynamic/", "");
const calls = (c: CallCounts | undefined): string => (c ? `${c.write}/${c.read}/${c.poll}` : "0/0/0");

function printReport(input: {
  scale: number;
  started: number;
  finished: number;
  firstCall: number;
  lastCall: number;
  totals: CallCounts;
  spans: ResourceSpan[];
  chain: ResourceSpan[];
  perResource: Map<string, CallCounts>;
}): void {
  const { scale, started, finished, firstCall, lastCall, totals, spans, chain, perResource } = input;
  const row = (cells: string[], widths: number[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\nForge calls (one environment)`);
  for (const [label, value] of [
    ["writes", totals.write],
    ["reads", totals.read],
    ["polls", totals.poll],
    ["total", totals.write + totals.read + totals.poll],
    ["429 received", totals.rateLimited],
  ] as const) {
    console.log(`  ${label.padEnd(14)}${String(value).padStart(5)}`);
  }
  console.log(`\nWall time of \`pulumi up\`: ${seconds(finished - started)} s`);
  console.log(`  engine start-up until the first Forge call: ${seconds(firstCall - started)} s`);
  console.log(
    `  first to last Forge call: ${seconds(lastCall - firstCall)} s (about ${seconds((lastCall - firstCall) / scale)} s at Forge's pace)`,
  );
  const widths = [44, 7, 7, 9, 9, 9];
  const critical = new Set(chain.map((span) => span.urn));
  console.log(`\nResources (seconds since \`up\` started; * marks the critical path, each waiting for the * above it)`);
  console.log(`  ${row(["resource", "start", "end", "duration", "at Forge", "w/r/poll"], widths)}`);
  for (const span of spans
    .filter((s) => s.type.startsWith("pulumi-nodejs:dynamic/"))
    .sort((a, b) => a.start - b.start)) {
    const name = `${critical.has(span.urn) ? "*" : " "} ${shortType(span.type)} ${span.urn.split("::").at(-1) ?? ""}`;
    const duration = span.end - span.start;
    console.log(
      `  ${row([name, seconds(span.start - started), seconds(span.end - started), seconds(duration), seconds(duration / scale), calls(perResource.get(span.urn))], widths)}`,
    );
  }
  console.log(`  critical path: ${chain.map((span) => shortType(span.type)).join(" → ")}`);
  const unattributed = perResource.get("");
  if (unattributed) console.log(`  (calls no resource span claims: ${calls(unattributed)})`);
  console.log(`\nA poll is a repeated GET of the same object; a read is the first GET of an object, or a list.`);
}

async function main(): Promise<void> {
  const scale = parseTimeScale(process.argv.slice(2));
  const binDir = locatePulumiBinDir();
  const root = await mkdtemp(path.join(tmpdir(), "forge-previews-bench-"));
  console.log(`bench: starting MariaDB, Redis, sshd and the Forge simulator (realistic profile, time scale ${scale})`);
  const services = await startLocalServices();
  try {
    const embedded = await startEmbeddedDefault({
      dir: path.join(root, "simulator"),
      services: { mariadb: services.mariadb!, redis: services.redis!, ssh: services.ssh! },
      simulator: {
        profile: "realistic",
        timeScale: scale,
        rateLimitPerMinute: 60,
        rateLimitWindowMs: FORGE_RATE_WINDOW_MS * scale,
      },
    });
    try {
      const project = path.join(root, "project");
      await mkdir(project);
      for (const entry of PROJECT_ENTRIES) await symlink(path.join(REPO_ROOT, entry), path.join(project, entry));
      const env: NodeJS.ProcessEnv = {
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_"))),
        ...embedded.env,
        FORGE_PREVIEWS_POLL_MS: String(Math.max(1, Math.round(FORGE_POLL_MS * scale))),
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: path.join(root, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
        // Protects only this run's throw-away state.
        PULUMI_CONFIG_PASSPHRASE: "forge-previews-bench",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      };
      await mkdir(path.join(root, "state"));
      await mustRun(binDir, project, env, ["stack", "init", STACK], `stack init ${STACK}`);
      await mustRun(
        binDir,
        project,
        env,
        ["config", "set-all", "--stack", STACK, "--json", toConfigJson(PROJECT, embedded.stackConfig)],
        "config set-all",
      );
      console.log(
        `bench: rate limit 60 requests per ${seconds(FORGE_RATE_WINDOW_MS * scale)} s, first poll pause ${env.FORGE_PREVIEWS_POLL_MS} ms; running \`pulumi up\``,
      );

      // The program and each dynamic-provider host keep their transpiled sources and serialized shims in .cache/
      // (README, "Start-up"). A preview fills them as the first run on a checkout does, so `engine start` below is
      // what every later run pays.
      const warmUp = Date.now();
      await mustRun(binDir, project, env, ["preview", "--stack", STACK], `preview --stack ${STACK}`);
      console.log(
        `bench: warm-up preview (fills .cache/ as a checkout's first run does): ${seconds(Date.now() - warmUp)} s`,
      );

      embedded.simulator.clearRequests();
      const started = Date.now();
      const up = await mustRun(
        binDir,
        project,
        env,
        ["up", "--stack", STACK, "--yes", "--skip-preview", "--json"],
        `up --stack ${STACK}`,
      );
      const finished = Date.now();
      const exported = await mustRun(binDir, project, env, ["stack", "export", "--stack", STACK], "stack export");

      const requests = [...embedded.simulator.requests];
      if (requests.length === 0) throw new Error("the simulator received no Forge call during `up`");
      const classified = classifyCalls(requests);
      const spans = resourceSpans(up.lines);
      const totals = countCalls(classified);
      printReport({
        scale,
        started,
        finished,
        firstCall: requests[0]!.at,
        lastCall: requests.at(-1)!.at,
        totals,
        spans,
        chain: criticalPath(spans, parseDependencies(exported.lines.map((l) => l.text).join("\n"))),
        perResource: callsByResource(classified, spans),
      });
      const run = (cwd: string, args: string[], what: string): Promise<PulumiResult> =>
        mustRun(binDir, cwd, env, args, what);
      const floor = await emptyProgramFloor(REPO_ROOT, root, run);
      const timed = (operation: () => Promise<unknown>) =>
        timeOperation(scale, embedded.simulator.requests, () => embedded.simulator.clearRequests(), operation);
      const update = await timed(async () => {
        await run(
          project,
          ["config", "set", "--plaintext", "--stack", STACK, "redeployToken", `bench-${Date.now()}`],
          "config set",
        );
        await run(project, ["up", "--stack", STACK, "--yes", "--skip-preview"], `up --stack ${STACK}`);
      });
      const destroy = await timed(() =>
        run(project, ["destroy", "--stack", STACK, "--yes", "--skip-preview"], `destroy --stack ${STACK}`),
      );
      printEngineLines({ engineStart: requests[0]!.at - started, floor, update, destroy });
      const rateLimited = totals.rateLimited + update.rateLimited + destroy.rateLimited;
      if (rateLimited > 0) {
        throw new Error(
          `Forge answered 429 Too Many Requests ${rateLimited} time(s): the environment needs more than Forge's 60 requests a minute`,
        );
      }
      console.log("bench: no 429 received");
      // Last, so a reader finds it: the preview's time to ready against its three unavoidable steps.
      const ready = readiness(spans);
      if (ready === null) throw new Error("the `up` had no Site, Deployment or HealthCheck span to measure ready by");
      console.log(
        `ready: ${seconds(ready.readyMs / scale)} s at Forge pace; ideal ${seconds(ready.idealMs / scale)} s ` +
          `(site + deployment + health); ratio ${(ready.readyMs / ready.idealMs).toFixed(2)}`,
      );
    } finally {
      await embedded.stop();
    }
  } finally {
    await services.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
