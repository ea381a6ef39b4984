import type { RespClient } from "./resp-client";
import type { RespValue } from "./resp";
import {
  type BlockedSlot,
  RedisSlotInvalidError,
  RedisSlotOutsideRangeError,
  RedisSlotsExhaustedError,
  SLOT_CLAIMS_DB,
  SLOT_CLAIMS_KEY,
  type SlotClaim,
  parseClaim,
  serializeClaim,
} from "./slot-claims";

/**
 * The registry of which stack holds which Redis database, kept in Redis itself: one hash in DB 0, field = database
 * index, value = the claim as JSON. Claiming and releasing are Lua scripts, which Redis runs atomically, so ten
 * stacks claiming at once get ten different databases, and a database is flushed only while the flushing stack
 * still holds it. (Per-slot `SET NX` keys would also be atomic per slot, but "find my claim, else take the lowest
 * free one" would then be several round trips that two runs could interleave.)
 */

export interface RegistryOptions {
  /** Name of the claims hash; tests use their own so they never collide with real claims. @default SLOT_CLAIMS_KEY */
  claimsKey?: string;
}

export interface ClaimRequest {
  stack: string;
  app: string;
  pr: number;
  firstSlot: number;
  lastSlot: number;
  /** @default now */
  claimedAt?: Date;
}

export interface ClaimResult {
  slot: number;
  claim: SlotClaim;
  /** True when the stack already held the slot (a re-run of `up`), false when it was claimed just now. */
  existing: boolean;
}

// KEYS[1] claims hash; ARGV first, last, stack, claim JSON, claims DB.
// A stack that already holds a slot gets it back; otherwise the lowest unclaimed slot whose database is empty is
// claimed. A non-empty unclaimed database may belong to something else, so it is never taken (and so never flushed).
const CLAIM_SCRIPT = `
local key, first, last, stack, record, home = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local claims = redis.call('HGETALL', key)
for i = 1, #claims, 2 do
  local ok, claim = pcall(cjson.decode, claims[i + 1])
  if ok and type(claim) == 'table' and claim.stack == stack then
    return {'held', claims[i], claims[i + 1]}
  end
end
local busy = {}
for slot = first, last do
  local field = tostring(slot)
  if redis.call('HEXISTS', key, field) == 0 then
    local selected = redis.pcall('SELECT', slot)
    if type(selected) == 'table' and selected.err then
      redis.call('SELECT', home)
      return {'invalid', field, selected.err}
    end
    local size = redis.call('DBSIZE')
    redis.call('SELECT', home)
    if size == 0 then
      redis.call('HSET', key, field, record)
      return {'claimed', field, record}
    end
    table.insert(busy, field)
    table.insert(busy, size)
  end
end
return {'exhausted', busy, claims}
`;

// KEYS[1] claims hash; ARGV slot, stack, claims DB. Flushes before it releases: if FLUSHDB fails, the claim stays.
const RELEASE_SCRIPT = `
local key, field, stack, home = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local record = redis.call('HGET', key, field)
if not record then return {'absent'} end
local ok, claim = pcall(cjson.decode, record)
if not ok or type(claim) ~= 'table' or claim.stack ~= stack then return {'foreign', record} end
redis.call('SELECT', tonumber(field))
redis.call('FLUSHDB')
redis.call('SELECT', home)
redis.call('HDEL', key, field)
return {'released', record}
`;

function keyOf(options: RegistryOptions): string {
  return options.claimsKey ?? SLOT_CLAIMS_KEY;
}

function unexpected(script: string, reply: RespValue): Error {
  return new Error(`the Redis ${script} script returned an unexpected reply (${JSON.stringify(reply).slice(0, 200)})`);
}

function asStrings(value: RespValue): string[] {
  return Array.isArray(value) ? value.map((item) => String(item)) : [];
}

/** Claims the lowest free database in the range for `request.stack`, or returns the one it already holds. */
export async function claimSlot(
  redis: RespClient,
  request: ClaimRequest,
  options: RegistryOptions = {},
): Promise<ClaimResult> {
  const key = keyOf(options);
  const wanted: SlotClaim = {
    stack: request.stack,
    app: request.app,
    pr: request.pr,
    claimedAt: (request.claimedAt ?? new Date()).toISOString(),
  };
  await redis.command(["SELECT", SLOT_CLAIMS_DB]);
  const reply = await redis.command([
    "EVAL",
    CLAIM_SCRIPT,
    1,
    key,
    request.firstSlot,
    request.lastSlot,
    request.stack,
    serializeClaim(wanted),
    SLOT_CLAIMS_DB,
  ]);
  if (!Array.isArray(reply) || typeof reply[0] !== "string") throw unexpected("claim", reply);
  const [outcome, field, record] = reply;
  switch (outcome) {
    case "held":
    case "claimed": {
      const slot = Number(field);
      const claim = parseClaim(String(record)) ?? wanted;
      if (outcome === "held" && (slot < request.firstSlot || slot > request.lastSlot)) {
        throw new RedisSlotOutsideRangeError(slot, claim, request.firstSlot, request.lastSlot, key);
      }
      return { slot, claim, existing: outcome === "held" };
    }
    case "invalid":
      throw new RedisSlotInvalidError(Number(field), String(record));
    case "exhausted":
      throw new RedisSlotsExhaustedError(
        request.firstSlot,
        request.lastSlot,
        request.stack,
        blockedSlots(reply, request),
      );
    default:
      throw unexpected("claim", reply);
  }
}

function blockedSlots(reply: RespValue[], request: ClaimRequest): BlockedSlot[] {
  const blocked: BlockedSlot[] = [];
  const busy = asStrings(reply[1] ?? null);
  for (let i = 0; i + 1 < busy.length; i += 2) {
    blocked.push({ slot: Number(busy[i]), kind: "not-empty", keys: Number(busy[i + 1]) });
  }
  const claims = asStrings(reply[2] ?? null);
  for (let i = 0; i + 1 < claims.length; i += 2) {
    const slot = Number(claims[i]);
    if (Number.isInteger(slot) && slot >= request.firstSlot && slot <= request.lastSlot) {
      blocked.push({ slot, kind: "claimed", claim: parseClaim(claims[i + 1] as string) });
    }
  }
  return blocked;
}

/** The claim on `slot`, or null when nobody holds it. An unreadable claim is reported with stack "". */
export async function findClaim(
  redis: RespClient,
  slot: number,
  options: RegistryOptions = {},
): Promise<SlotClaim | null> {
  await redis.command(["SELECT", SLOT_CLAIMS_DB]);
  const record = await redis.command(["HGET", keyOf(options), slot]);
  if (record === null) return null;
  return parseClaim(String(record)) ?? { stack: "", app: "", pr: 0, claimedAt: "" };
}

export type ReleaseOutcome =
  | { outcome: "released"; claim: SlotClaim | null }
  | { outcome: "absent" }
  | { outcome: "foreign"; claim: SlotClaim | null };

/**
 * Empties database `slot` and drops its claim, only if `stack` holds it (atomically). A slot held by another stack,
 * or by nobody, is left exactly as it is.
 */
export async function releaseSlot(
  redis: RespClient,
  slot: number,
  stack: string,
  options: RegistryOptions = {},
): Promise<ReleaseOutcome> {
  await redis.command(["SELECT", SLOT_CLAIMS_DB]);
  const reply = await redis.command(["EVAL", RELEASE_SCRIPT, 1, keyOf(options), slot, stack, SLOT_CLAIMS_DB]);
  if (!Array.isArray(reply) || typeof reply[0] !== "string") throw unexpected("release", reply);
  switch (reply[0]) {
    case "released":
      return { outcome: "released", claim: parseClaim(String(reply[1])) };
    case "foreign":
      return { outcome: "foreign", claim: parseClaim(String(reply[1])) };
    case "absent":
      return { outcome: "absent" };
    default:
      throw unexpected("release", reply);
  }
}

/** Every claim in the registry, by database index. */
export async function listClaims(
  redis: RespClient,
  options: RegistryOptions = {},
): Promise<Map<number, SlotClaim | null>> {
  await redis.command(["SELECT", SLOT_CLAIMS_DB]);
  const entries = asStrings(await redis.command(["HGETALL", keyOf(options)]));
  const claims = new Map<number, SlotClaim | null>();
  for (let i = 0; i + 1 < entries.length; i += 2) claims.set(Number(entries[i]), parseClaim(entries[i + 1] as string));
  return claims;
}
