/**
 * Running `forge-previews probe` in-process against a local simulator: the shared configuration and secrets it reads,
 * and what the simulator still holds afterwards.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import type { Simulator, SimulatorOptions, SimulatorState } from "../../tools/simulator";
import type { Env } from "../../cli/cli-config";
import type { Exchange } from "../../cli/probe/recorder";
import { readFieldErrors } from "../../providers/forge";
import { SECRETS, SSH_PRIVATE_KEY, sharedConfig } from "./github/harness";

/** The throwaway server the probe is pointed at. */
export const PROBE_SERVER_ID = 77;

/** A simulator with one throwaway server, its token the one `probeEnv` gives. */
export function probeSimulatorOptions(overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return {
    token: SECRETS.forgeToken,
    org: "acme",
    servers: [{ id: PROBE_SERVER_ID, name: "throwaway" }],
    // The probe paces itself at 60 a minute against Forge; a test makes more calls than that per minute.
    rateLimitPerMinute: 10_000,
    log: () => undefined,
    ...overrides,
  };
}

/** The shared configuration and secrets as a runner gives them, with the simulator as Forge and short polls. */
export function probeEnv(sim: Simulator): Env {
  return {
    FORGE_PREVIEWS_CONFIG: sharedConfig({ "forge-previews:forgeApiUrl": sim.url }),
    FORGE_TOKEN: SECRETS.forgeToken,
    FORGE_PREVIEWS_SSH_PRIVATE_KEY: SSH_PRIVATE_KEY,
    FORGE_PREVIEWS_POLL_MS: "20",
  };
}

export interface ProbeRun {
  code: number;
  out: string;
  err: string;
  dir: string;
}

/** `forge-previews probe <argv>` with the simulator as Forge; `--out` is a fresh folder unless argv names one. */
export async function runProbeCli(sim: Simulator, argv: string[]): Promise<ProbeRun> {
  const dir = await mkdtemp(path.join(tmpdir(), "forge-probe-"));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["probe", ...argv, ...(argv.includes("--out") ? [] : ["--out", dir])], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: probeEnv(sim),
    cwd: dir,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), dir };
}

export async function readFixture<T>(dir: string, name: "exchanges.json" | "report.json"): Promise<T> {
  return JSON.parse(await readFile(path.join(dir, name), "utf8")) as T;
}

export async function removeRun(run: ProbeRun): Promise<void> {
  await rm(run.dir, { recursive: true, force: true });
}

/** Every object the simulator holds that a probe makes: none may be left after a run. */
export function probeObjects(state: SimulatorState): Record<string, unknown[]> {
  return {
    sites: state.sites,
    domains: state.domains,
    certificates: state.certificates,
    backgroundProcesses: state.backgroundProcesses,
    securityRules: state.securityRules,
    deployments: state.deployments,
  };
}

export const EMPTY_PROBE_STATE = {
  sites: [],
  domains: [],
  certificates: [],
  backgroundProcesses: [],
  securityRules: [],
  deployments: [],
};

/** Every answer's form, without values: per operation, each attribute path with its JSON type, and each refusal. */
export function answerShapes(exchanges: readonly Exchange[]): Record<string, string[]> {
  const shapes: Record<string, Set<string>> = {};
  for (const exchange of exchanges) {
    const into = (shapes[exchange.operation] ??= new Set());
    if (exchange.status !== null) {
      into.add(`answered ${exchange.status}: ${Object.keys(readFieldErrors(exchange.body)).sort().join(", ")}`);
      continue;
    }
    const data = (exchange.body as { data?: unknown } | null)?.data;
    for (const resource of Array.isArray(data) ? data : data === undefined ? [] : [data]) {
      const attributes = (resource as { attributes?: unknown }).attributes;
      for (const entry of typedPaths(attributes, "")) into.add(entry);
    }
    if (exchange.body === null) into.add("empty");
  }
  return Object.fromEntries(Object.entries(shapes).map(([operation, set]) => [operation, [...set].sort()]));
}

function typedPaths(value: unknown, at: string): string[] {
  if (value === null) return [`${at}: null`];
  if (Array.isArray(value)) return [`${at}: array`];
  if (typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => typedPaths(item, at === "" ? key : `${at}.${key}`));
  return [`${at}: ${typeof value}`];
}
