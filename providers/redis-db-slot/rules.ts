import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "../runtime";

/** The resolved inputs of a RedisDbSlot. */
export interface RedisDbSlotInputs {
  /** Owner of the claim: the Pulumi stack (`pr-123`). Re-running `up` in the same stack finds its claim by this. */
  stack: string;
  app: string;
  pr: number;
  /** First database index previews may claim. @default 2 */
  firstSlot: number;
  /** Last database index previews may claim, inclusive. @default 15 */
  lastSlot: number;
  /** Redis as the Forge server sees it. @default "127.0.0.1" */
  redisHost: string;
  /** @default 6379 */
  redisPort: number;
}

export interface RedisDbSlotOutputs extends RedisDbSlotInputs {
  /** The claimed database index, for REDIS_DB / REDIS_CACHE_DB of the preview. */
  slot: number;
  /** ISO 8601 time of the claim. */
  claimedAt: string;
}

export const INPUT_FIELDS = ["stack", "app", "pr", "firstSlot", "lastSlot", "redisHost", "redisPort"] as const;

/** Fields whose change means a different claim (another owner, or another Redis server). */
const IDENTITY_FIELDS = ["stack", "app", "pr", "redisHost", "redisPort"] as const;
const RANGE_FIELDS = ["firstSlot", "lastSlot"] as const;

export const DEFAULTS = { firstSlot: 2, lastSlot: 15, redisHost: "127.0.0.1", redisPort: 6379 } as const;

/** Production Laravel uses 0 (REDIS_DB) and 1 (REDIS_CACHE_DB); a preview never gets them. */
export const LOWEST_PREVIEW_SLOT = 2;
/** Redis allows far more databases than its default 16 if configured; the claim script checks the real limit. */
export const HIGHEST_SLOT = 1023;

// Pulumi stack names: letters, digits, `-`, `_` and `.`.
const STACK = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const APP = /^[a-z][a-z0-9]{0,19}$/;
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

type Failure = pulumi.dynamic.CheckFailure;

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Applies defaults and validates; unknown values pass through untouched (they are checked again at `up`). */
export function checkRedisDbSlotInputs(news: Record<string, unknown>): {
  inputs: RedisDbSlotInputs;
  failures: Failure[];
} {
  const inputs: Record<string, unknown> = {};
  for (const field of INPUT_FIELDS) {
    const value = news[field];
    inputs[field] = value === undefined || value === null ? (DEFAULTS as Record<string, unknown>)[field] : value;
  }
  const failures: Failure[] = [];
  const fail = (property: string, reason: string): void => {
    if (!isUnknown(inputs[property])) failures.push({ property, reason });
  };
  if (typeof inputs.stack !== "string" || !STACK.test(inputs.stack)) {
    fail("stack", "`stack` must be the Pulumi stack name (letters, digits, `-`, `_`, `.`), e.g. `pr-123`");
  }
  if (typeof inputs.app !== "string" || !APP.test(inputs.app)) {
    fail(
      "app",
      "`app` must be a lower-case app name of 1-20 letters and digits starting with a letter, e.g. `customer`",
    );
  }
  if (!isInteger(inputs.pr, 1, 9_999_999)) fail("pr", "`pr` must be a pull request number (a positive integer)");
  const rangeReason = `must be an integer from ${LOWEST_PREVIEW_SLOT} to ${HIGHEST_SLOT}; databases 0 and 1 are production's REDIS_DB and REDIS_CACHE_DB`;
  const firstOk = isInteger(inputs.firstSlot, LOWEST_PREVIEW_SLOT, HIGHEST_SLOT);
  const lastOk = isInteger(inputs.lastSlot, LOWEST_PREVIEW_SLOT, HIGHEST_SLOT);
  if (!firstOk) fail("firstSlot", `\`firstSlot\` ${rangeReason}`);
  if (!lastOk) fail("lastSlot", `\`lastSlot\` ${rangeReason}`);
  if (firstOk && lastOk && (inputs.firstSlot as number) > (inputs.lastSlot as number)) {
    fail(
      "lastSlot",
      `\`lastSlot\` (${String(inputs.lastSlot)}) must not be below \`firstSlot\` (${String(inputs.firstSlot)})`,
    );
  }
  if (typeof inputs.redisHost !== "string" || !HOST.test(inputs.redisHost)) {
    fail("redisHost", "`redisHost` must be a host name or IP address as the server sees Redis, e.g. `127.0.0.1`");
  }
  if (!isInteger(inputs.redisPort, 1, 65535)) fail("redisPort", "`redisPort` must be a port number 1-65535");
  return { inputs: inputs as unknown as RedisDbSlotInputs, failures };
}

/**
 * Another owner or another Redis server is another claim: replace, releasing the old slot first so a full range
 * still has room. A range change keeps the slot when it is still inside the new range.
 */
export function diffRedisDbSlot(olds: RedisDbSlotOutputs, news: RedisDbSlotInputs): pulumi.dynamic.DiffResult {
  const replaces: string[] = IDENTITY_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  const rangeChanged = RANGE_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  if (rangeChanged.length > 0 && !isSlotInside(olds.slot, news)) replaces.push(...rangeChanged);
  const changes = replaces.length > 0 || rangeChanged.length > 0;
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/** False while the range is unknown: preview then shows the conservative outcome, a replacement. */
export function isSlotInside(slot: number, range: Pick<RedisDbSlotInputs, "firstSlot" | "lastSlot">): boolean {
  if (isUnknown(range.firstSlot) || isUnknown(range.lastSlot)) return false;
  return slot >= range.firstSlot && slot <= range.lastSlot;
}
