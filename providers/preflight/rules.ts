/**
 * The pure rules of the Preflight resource: its inputs (everything the checks depend on, none of them secret), what
 * counts as a change (any input: the checks run again), and how the findings read. The checks themselves, all reads,
 * are in checks.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "../runtime";

export interface PreflightInputs {
  /** The preview's stack; a Redis database it already holds counts as free for it. */
  stack: string;
  serverId: number;
  /** The master the preview's database is cloned from; it must exist and be visible to `mysqlUser`. */
  masterDatabase: string;
  /** The preview's own database, which the clone writes into: `mysqlUser` needs write privileges on it. */
  targetDatabase: string;
  firstSlot: number;
  lastSlot: number;
  redisPort: number;
  /**
   * The connection settings the checks use, read from the stack config at call time like every provider does. They
   * are inputs so that changing one runs the checks again; none is a secret.
   */
  forgeApiUrl: string;
  forgeOrg: string;
  sshHost: string;
  sshPort: number;
  sshUser: string;
  sshHostKeyFingerprint: string;
}

export interface PreflightOutputs extends PreflightInputs {
  /** When the checks last passed, ISO 8601. */
  checkedAt: string;
  /** The Forge server's name. */
  serverName: string;
  /** When the master was sealed by the snapshots stack, or null for a master without a seal. */
  masterSealedAt: string | null;
  /** When the master's data was taken from production, or null when it does not say. */
  masterDataAsOf: string | null;
  /** The Redis database the preview will get (the one it holds, or the lowest free one when checked). */
  redisSlot: number;
}

type Failure = pulumi.dynamic.CheckFailure;

const STRING_FIELDS = [
  "stack",
  "masterDatabase",
  "targetDatabase",
  "forgeApiUrl",
  "forgeOrg",
  "sshHost",
  "sshUser",
  "sshHostKeyFingerprint",
] as const;
const INTEGER_FIELDS = [
  ["serverId", 1, Number.MAX_SAFE_INTEGER],
  ["firstSlot", 0, 1023],
  ["lastSlot", 0, 1023],
  ["redisPort", 1, 65535],
  ["sshPort", 1, 65535],
] as const;
export const INPUT_FIELDS = [...STRING_FIELDS, ...INTEGER_FIELDS.map(([field]) => field)] as const;

const DB_NAME = /^[A-Za-z0-9_]{1,64}$/;

/** Validates raw inputs; unknown values pass (they are known again before `create` runs). */
export function checkPreflightInputs(news: Record<string, unknown>): { inputs: PreflightInputs; failures: Failure[] } {
  const failures: Failure[] = [];
  const inputs: Record<string, unknown> = {};
  for (const field of STRING_FIELDS) {
    const value = news[field];
    inputs[field] = value;
    if (!isUnknown(value) && (typeof value !== "string" || value.trim() === "")) {
      failures.push({ property: field, reason: `\`${field}\` must be a non-empty string` });
    }
  }
  for (const [field, min, max] of INTEGER_FIELDS) {
    const value = news[field];
    inputs[field] = value;
    if (!isUnknown(value) && !(typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)) {
      failures.push({ property: field, reason: `\`${field}\` must be a whole number from ${min} to ${max}` });
    }
  }
  for (const field of ["masterDatabase", "targetDatabase"] as const) {
    const value = inputs[field];
    if (!isUnknown(value) && typeof value === "string" && value.trim() !== "" && !DB_NAME.test(value)) {
      failures.push({
        property: field,
        reason: `\`${field}\` must be a MySQL database name of letters, digits and _ (at most 64)`,
      });
    }
  }
  if (
    typeof inputs.firstSlot === "number" &&
    typeof inputs.lastSlot === "number" &&
    inputs.firstSlot > inputs.lastSlot
  ) {
    failures.push({ property: "lastSlot", reason: "`lastSlot` must not be below `firstSlot`" });
  }
  return { inputs: inputs as unknown as PreflightInputs, failures };
}

/** Any changed input runs the checks again (an update that writes nothing); nothing is ever replaced. */
export function diffPreflight(olds: PreflightOutputs, news: PreflightInputs): pulumi.dynamic.DiffResult {
  const changed = INPUT_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** A master older than the weekly refresh plus a day is stale; it still works, so that is a warning. */
export const STALE_MASTER_HOURS = 8 * 24;

/** `3 d 4 h`, `5 h`, `12 min`: an age as a person reads it. */
export function formatAge(fromIso: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function ageInHours(fromIso: string, now: Date): number {
  return (now.getTime() - Date.parse(fromIso)) / 3_600_000;
}

/** One failed check: what is wrong, and what fixes it. */
export interface PreflightProblem {
  check: string;
  problem: string;
  fix: string;
}

/** The one message a failed preflight throws: every failed check with its fix, and that nothing was created. */
export function formatPreflightFailure(stack: string, problems: readonly PreflightProblem[]): string {
  const lines = problems.map((p) => `  - ${p.check}: ${p.problem}\n    fix: ${p.fix}`);
  return [
    `Preflight of stack ${stack} failed (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created or changed:`,
    ...lines,
  ].join("\n");
}
