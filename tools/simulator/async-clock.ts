import type { Lifecycle } from "./types";

/**
 * How long Forge takes for each asynchronous step, in milliseconds (low, high). The realistic
 * profile draws a duration in that range and multiplies it by `timeScale`; the instant profile
 * uses zero, so a create answers with the in-progress status and any later GET sees the end state.
 */
const REALISTIC_MS = {
  siteInstall: [20_000, 40_000],
  siteRemove: [5_000, 10_000],
  certificate: [10_000, 30_000],
  certificateAction: [2_000, 5_000],
  deploymentQueue: [1_000, 3_000],
  deployment: [30_000, 90_000],
  database: [2_000, 5_000],
  databaseUser: [2_000, 5_000],
  backgroundProcess: [3_000, 8_000],
  backgroundProcessAction: [2_000, 5_000],
  securityRule: [2_000, 5_000],
  commandQueue: [1_000, 2_000],
  command: [3_000, 10_000],
  remove: [1_000, 3_000],
} satisfies Record<string, [number, number]>;

export type Step = keyof typeof REALISTIC_MS;

export class AsyncClock {
  constructor(
    private readonly profile: "instant" | "realistic",
    private readonly timeScale: number,
    private readonly random: () => number = Math.random,
  ) {}

  now(): number {
    return Date.now();
  }

  duration(step: Step): number {
    if (this.profile === "instant") return 0;
    const [low, high] = REALISTIC_MS[step];
    return Math.round((low + this.random() * (high - low)) * this.timeScale);
  }
}

/** Builds a timeline: the first values apply from `start`, each later entry after its duration. */
export function timeline(
  start: number,
  first: Record<string, string | boolean>,
  ...later: Array<[number, Record<string, string | boolean>]>
): Lifecycle {
  const steps = [{ at: start, values: first }];
  let at = start;
  for (const [duration, values] of later) {
    at += duration;
    steps.push({ at, values });
  }
  return { steps, goneAt: null };
}

/** Appends steps to an existing timeline, starting now (used by deletes, updates and actions). */
export function extend(
  lifecycle: Lifecycle,
  start: number,
  first: Record<string, string | boolean>,
  ...later: Array<[number, Record<string, string | boolean>]>
): void {
  // A change made while an earlier step is still pending replaces the rest of that plan.
  lifecycle.steps = lifecycle.steps.filter((step) => step.at <= start);
  const next = timeline(start, first, ...later);
  lifecycle.steps.push(...next.steps);
}

/** Values in force at `now`: each step's values override the earlier ones. */
export function valuesAt(lifecycle: Lifecycle, now: number): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const step of lifecycle.steps) {
    if (step.at <= now) Object.assign(values, step.values);
  }
  return values;
}

/** The values a create answers with: the first step, whatever the profile. */
export function initialValues(lifecycle: Lifecycle): Record<string, string | boolean> {
  return { ...(lifecycle.steps[0]?.values ?? {}) };
}

export function isGone(lifecycle: Lifecycle, now: number): boolean {
  return lifecycle.goneAt !== null && lifecycle.goneAt <= now;
}
