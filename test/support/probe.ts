/**
 * Running `forge-previews probe` in-process against a local simulator: the shared configuration and secrets it reads,
 * and what the simulator still holds afterwards.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import type { Simulator, SimulatorState } from "../../tools/simulator";
import { SECRETS, SSH_PRIVATE_KEY, sharedConfig } from "./github/harness";

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
    env: {
      FORGE_PREVIEWS_CONFIG: sharedConfig({ "forge-previews:forgeApiUrl": sim.url }),
      FORGE_TOKEN: SECRETS.forgeToken,
      FORGE_PREVIEWS_SSH_PRIVATE_KEY: SSH_PRIVATE_KEY,
      FORGE_PREVIEWS_POLL_MS: "20",
    },
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
