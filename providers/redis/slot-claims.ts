import { previewCommand } from "../common/cli-hints";
import { UserError } from "../common/user-error";

/** Who holds a Redis database: one field of the claims hash, stored as JSON. */
export interface SlotClaim {
  stack: string;
  app: string;
  pr: number;
  /** ISO 8601 time the claim was first made. */
  claimedAt: string;
}

/** The claims hash lives in DB 0 next to production's keys; its name cannot clash with Laravel's prefixed keys. */
export const SLOT_CLAIMS_KEY = "forge-previews:slots";
export const SLOT_CLAIMS_DB = 0;

export function serializeClaim(claim: SlotClaim): string {
  return JSON.stringify({ stack: claim.stack, app: claim.app, pr: claim.pr, claimedAt: claim.claimedAt });
}

/** Reads a stored claim; anything that is not a well-formed claim (edited by hand, truncated) is null. */
export function parseClaim(text: string): SlotClaim | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const { stack, app, pr, claimedAt } = value as Record<string, unknown>;
  if (typeof stack !== "string" || typeof app !== "string" || typeof pr !== "number" || typeof claimedAt !== "string") {
    return null;
  }
  return { stack, app, pr, claimedAt };
}

export function describeClaim(claim: SlotClaim | null): string {
  return claim === null
    ? "an unreadable claim"
    : `stack ${claim.stack} (app ${claim.app}, PR ${claim.pr}, claimed at ${claim.claimedAt})`;
}

/** One database in the range that could not be claimed, and why. */
export type BlockedSlot =
  { slot: number; kind: "claimed"; claim: SlotClaim | null } | { slot: number; kind: "not-empty"; keys: number };

/** Every database in the range is taken: lists who holds each one so the person running `up` knows what to free. */
export class RedisSlotsExhaustedError extends UserError {
  override readonly name = "RedisSlotsExhaustedError";

  constructor(
    readonly firstSlot: number,
    readonly lastSlot: number,
    readonly stack: string,
    readonly blocked: readonly BlockedSlot[],
  ) {
    super(formatExhausted(firstSlot, lastSlot, stack, blocked));
  }
}

function formatExhausted(first: number, last: number, stack: string, blocked: readonly BlockedSlot[]): string {
  const lines = [...blocked]
    .sort((a, b) => a.slot - b.slot)
    .map((entry) =>
      entry.kind === "claimed"
        ? `  - database ${entry.slot}: held by ${describeClaim(entry.claim)}${freedBy(entry.claim)}`
        : `  - database ${entry.slot}: unclaimed but holds ${entry.keys} key${entry.keys === 1 ? "" : "s"}, so it is never taken`,
    );
  return [
    `No free Redis database in ${first}-${last} for stack ${stack}:`,
    ...lines,
    `Destroy a preview that is no longer needed (${previewCommand("destroy")}, or comment \`/destroy\` on its PR), ` +
      "widen `redisSlotRange`, or empty an unclaimed database that nothing uses.",
  ].join("\n");
}

/** The command that frees a holder's database: destroying its preview releases the claim. */
function freedBy(claim: SlotClaim | null): string {
  return claim === null ? "" : `; ${previewCommand("destroy", claim)} frees it`;
}

/** This stack already holds a database, but not one inside the requested range. */
export class RedisSlotOutsideRangeError extends UserError {
  override readonly name = "RedisSlotOutsideRangeError";

  constructor(slot: number, claim: SlotClaim | null, firstSlot: number, lastSlot: number, claimsKey: string) {
    super(
      `Redis database ${slot} is already held by ${describeClaim(claim)}, outside the range ${firstSlot}-${lastSlot}. ` +
        `A stack holds one database at a time: destroy the RedisDbSlot that holds it, or empty database ${slot} and ` +
        `remove field ${slot} of the hash \`${claimsKey}\` in Redis database ${SLOT_CLAIMS_DB}.`,
    );
  }
}

/** The configured range reaches past the databases the Redis server has (`databases` in redis.conf). */
export class RedisSlotInvalidError extends UserError {
  override readonly name = "RedisSlotInvalidError";

  constructor(slot: number, reason: string) {
    super(
      `Redis database ${slot} cannot be selected (${reason}); the server has fewer databases than the range ` +
        "needs: lower `redisSlotRange`'s last index or raise `databases` in redis.conf.",
    );
  }
}
