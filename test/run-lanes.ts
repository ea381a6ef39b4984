/**
 * `npm test`: every tier, in lanes that run side by side. Each lane has its own MariaDB, Redis and sshd, so suites in
 * different lanes never share a database, a master, a Redis slot or a capacity count. A free lane takes the next
 * piece, longest first by the previous run's durations: the unit tier and the provider tier as one jest run each, and
 * each suite of the other tiers (engine, and any tier added later) alone. Each piece's output is printed whole when it
 * ends, and the last line adds up every piece's `jest: N passed, N failed, N skipped`.
 *
 * `npm test -- <jest arguments>` is plain `jest --runInBand` with them. `FORGE_PREVIEWS_TEST_LANES` sets the number of
 * lanes (default 3: the engine suites wait on the CLI and the simulator's clock more than they use a core).
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describeServices, type LocalServices, startLocalServices } from "../tools/sandbox/local-services";
import { TEST_SERVICES_ENV } from "./support/services";

const ROOT = path.resolve(__dirname, "..");
const JEST = require.resolve("jest/bin/jest");
const LOG_DIR = path.join(ROOT, ".cache", "test-lanes");
const DURATIONS_FILE = path.join(LOG_DIR, "durations.json");
/** Tiers run as one jest process each: many short suites, where a process per suite would cost more than it saves. */
const GROUPED_TIERS = ["unit", "provider"];
const SUMMARY = /^jest: (\d+) passed, (\d+) failed, (\d+) skipped$/m;

interface Piece {
  label: string;
  args: string[];
  /** Seconds the same piece took last time, or a stand-in from its size when there is no record. */
  weight: number;
}

interface Outcome {
  piece: Piece;
  lane: number;
  seconds: number;
  exitCode: number;
  counts: { passed: number; failed: number; skipped: number } | null;
}

function runJest(
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile?: string,
): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JEST, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    const log = logFile === undefined ? undefined : createWriteStream(logFile);
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      log?.write(chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      log?.end();
      resolve({ exitCode: code ?? (signal === null ? 1 : 128), output: Buffer.concat(chunks).toString("utf8") });
    });
  });
}

function tierNames(): string[] {
  const config = require(path.join(ROOT, "jest.config.js")) as { projects: { displayName: string }[] };
  return config.projects.map((project) => project.displayName);
}

async function suitesOf(tier: string): Promise<string[]> {
  const listed = await runJest(["--listTests", "--json", "--selectProjects", tier], process.env);
  if (listed.exitCode !== 0) throw new Error(`jest could not list the ${tier} tier:\n${listed.output}`);
  const json = listed.output.slice(listed.output.indexOf("["), listed.output.lastIndexOf("]") + 1);
  return (JSON.parse(json) as string[]).map((file) => path.relative(ROOT, file)).sort();
}

function previousDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS_FILE, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

async function planPieces(): Promise<Piece[]> {
  const previous = previousDurations();
  const tiers = tierNames();
  const pieces: Piece[] = [];
  for (const tier of tiers.filter((t) => GROUPED_TIERS.includes(t))) {
    const label = `${tier} tier`;
    // Without a record a whole tier goes first: it is longer than any single suite.
    pieces.push({ label, args: ["--selectProjects", tier], weight: previous[label] ?? Number.MAX_SAFE_INTEGER });
  }
  for (const tier of tiers.filter((t) => !GROUPED_TIERS.includes(t))) {
    for (const file of await suitesOf(tier)) {
      // A suite's size is a poor but harmless stand-in for its duration until a run has recorded one.
      const weight = previous[file] ?? statSync(path.join(ROOT, file)).size / 100;
      pieces.push({ label: file, args: ["--selectProjects", tier, "--runTestsByPath", file], weight });
    }
  }
  return pieces.sort((a, b) => b.weight - a.weight);
}

function slug(label: string): string {
  return label.replace(/[^a-zA-Z0-9.-]+/g, "_");
}

async function runLanes(pieces: Piece[], services: LocalServices[]): Promise<Outcome[]> {
  const queue = [...pieces];
  const outcomes: Outcome[] = [];
  const lane = async (index: number, laneServices: LocalServices) => {
    const env = { ...process.env, [TEST_SERVICES_ENV]: JSON.stringify(describeServices(laneServices)) };
    for (let piece = queue.shift(); piece !== undefined; piece = queue.shift()) {
      const started = Date.now();
      const logFile = path.join(LOG_DIR, `${slug(piece.label)}.log`);
      const { exitCode, output } = await runJest(["--runInBand", ...piece.args], env, logFile);
      const seconds = (Date.now() - started) / 1000;
      const match = SUMMARY.exec(output);
      const counts = match ? { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3]) } : null;
      outcomes.push({ piece, lane: index, seconds, exitCode, counts });
      process.stdout.write(`\n== ${piece.label} (lane ${index + 1}, ${seconds.toFixed(1)} s, exit ${exitCode})\n`);
      process.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
    }
  };
  await Promise.all(services.map((s, i) => lane(i, s)));
  return outcomes;
}

async function main(): Promise<number> {
  const extra = process.argv.slice(2);
  if (extra.length > 0) {
    const child = spawn(process.execPath, [JEST, "--runInBand", ...extra], { cwd: ROOT, stdio: "inherit" });
    return new Promise((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  }
  const laneCount = Number(process.env.FORGE_PREVIEWS_TEST_LANES ?? 3);
  if (!Number.isInteger(laneCount) || laneCount < 1) {
    throw new Error("FORGE_PREVIEWS_TEST_LANES must be a whole number of lanes, 1 or more (e.g. 3)");
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const started = Date.now();
  const [pieces, services] = await Promise.all([
    planPieces(),
    Promise.all(Array.from({ length: laneCount }, () => startLocalServices())),
  ]);
  process.stdout.write(
    `${pieces.length} pieces in ${laneCount} lanes, each with its own MariaDB, Redis and sshd; logs in ${LOG_DIR}\n`,
  );
  // Ctrl-C or CI's timeout: stop the lanes' servers rather than leave daemons behind.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void Promise.all(services.map((s) => s.stop())).finally(() => process.exit(130)));
  }
  let outcomes: Outcome[];
  try {
    outcomes = await runLanes(pieces, services);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }

  const durations = { ...previousDurations() };
  for (const o of outcomes) durations[o.piece.label] = Math.round(o.seconds);
  writeFileSync(DURATIONS_FILE, `${JSON.stringify(durations, null, 2)}\n`);

  const total = { passed: 0, failed: 0, skipped: 0 };
  const broken: string[] = [];
  for (const o of outcomes) {
    if (o.counts === null) {
      // A run that died before jest's summary counts as one failure, so the total never hides it.
      total.failed += 1;
      broken.push(`${o.piece.label} ended (exit ${o.exitCode}) without a summary`);
      continue;
    }
    total.passed += o.counts.passed;
    total.failed += o.counts.failed;
    total.skipped += o.counts.skipped;
    if (o.exitCode !== 0) broken.push(`${o.piece.label} exited ${o.exitCode}`);
  }
  const wall = ((Date.now() - started) / 1000).toFixed(0);
  const busy = outcomes.reduce((sum, o) => sum + o.seconds, 0).toFixed(0);
  process.stdout.write(`\nlanes: ${wall} s wall for ${busy} s of suites\n`);
  for (const line of broken) process.stdout.write(`failed: ${line}\n`);
  process.stdout.write(`jest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  return broken.length === 0 && total.failed === 0 ? 0 : 1;
}

if (!existsSync(JEST)) throw new Error("jest is not installed: run `bash scripts/setup.sh`");
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
