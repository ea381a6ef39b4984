/**
 * The engine's own share of a preview: its start-up against a floor, and the wall time of `/update` (a redeploy) and
 * `destroy`. The floor is `pulumi preview` of an empty TypeScript program with this project's runtime options and
 * tsconfig.json, on the same CLI and node_modules, so it is what any program pays before it can do anything; the
 * ratio says how much more ours pays before its first Forge call.
 */
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { RecordedRequest } from "../tools/simulator";
import { countCalls, classifyCalls } from "./forge-calls";

/** Runs `pulumi <args>` in `cwd` and fails with the output when it exits non-zero. */
export type RunPulumi = (cwd: string, args: string[], what: string) => Promise<unknown>;

const FLOOR_STACK = "floor";

/** Previews of the empty program per run: their median is the floor, as one alone varied by a third between runs. */
const FLOOR_SAMPLES = 3;

/** Milliseconds of `pulumi preview` of an empty program in `<root>/empty-program`: the median of a few. */
export async function emptyProgramFloor(repoRoot: string, root: string, run: RunPulumi): Promise<number> {
  const dir = path.join(root, "empty-program");
  await mkdir(dir);
  const project: unknown = parseYaml(await readFile(path.join(repoRoot, "Pulumi.yaml"), "utf8"));
  const runtime = typeof project === "object" && project !== null && "runtime" in project ? project.runtime : "nodejs";
  await writeFile(path.join(dir, "Pulumi.yaml"), JSON.stringify({ name: "engine-floor", runtime }));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "engine-floor", main: "index.ts" }));
  await writeFile(path.join(dir, "index.ts"), "export {};\n");
  for (const entry of ["tsconfig.json", "node_modules"]) {
    await symlink(path.join(repoRoot, entry), path.join(dir, entry));
  }
  await run(dir, ["stack", "init", FLOOR_STACK], `stack init ${FLOOR_STACK}`);
  const samples: number[] = [];
  for (let i = 0; i < FLOOR_SAMPLES; i++) {
    const started = Date.now();
    await run(dir, ["preview", "--stack", FLOOR_STACK], `preview --stack ${FLOOR_STACK}`);
    samples.push(Date.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

export interface TimedOperation {
  /** Wall milliseconds of the command. */
  wall: number;
  /**
   * Milliseconds the command would take against Forge itself: the simulator's time between the first and the last
   * Forge call divided by the time scale, plus the engine's own time before and after them, which does not scale.
   */
  atForgePace: number;
  rateLimited: number;
}

/**
 * Times `operation`, taking the Forge calls it made from `requests` (the simulator's log, cleared first by `clear`).
 */
export async function timeOperation(
  scale: number,
  requests: readonly RecordedRequest[],
  clear: () => void,
  operation: () => Promise<unknown>,
): Promise<TimedOperation> {
  clear();
  const started = Date.now();
  await operation();
  const finished = Date.now();
  const calls = [...requests];
  const first = calls[0]?.at ?? finished;
  const last = calls.at(-1)?.at ?? finished;
  return {
    wall: finished - started,
    atForgePace: first - started + (last - first) / scale + (finished - last),
    rateLimited: countCalls(classifyCalls(calls)).rateLimited,
  };
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The start-up line the issue's target reads (ratio ≤ 2), then the two operations' wall times. */
export function printEngineLines(input: {
  engineStart: number;
  floor: number;
  update: TimedOperation;
  destroy: TimedOperation;
}): void {
  const { engineStart, floor, update, destroy } = input;
  console.log(
    `engine start: ${seconds(engineStart)} s; floor ${seconds(floor)} s; ratio ${(engineStart / floor).toFixed(2)}`,
  );
  for (const [label, op] of [
    ["/update", update],
    ["destroy", destroy],
  ] as const) {
    console.log(`${label}: ${seconds(op.atForgePace)} s at Forge pace (${seconds(op.wall)} s wall in this run)`);
  }
}
