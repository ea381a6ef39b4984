import { randomBytes } from "node:crypto";
import { type RedisClientType, createClient } from "redis";
import {
  type RedisOnServer,
  RedisSlotInvalidError,
  RedisSlotOutsideRangeError,
  RedisSlotsExhaustedError,
  type RespClient,
  claimSlot,
  findClaim,
  listClaims,
  releaseSlot,
  withRedisOverSsh,
} from "../../../../providers/redis";
import { UserError } from "../../../../providers/common/user-error";
import { errorOf } from "../../../support/net";
import { sshTarget, testServices } from "../../../support/services";

const services = testServices();
const target = sshTarget(services);
const onServer: RedisOnServer = { host: "127.0.0.1", port: services.redis.port, password: services.redis.password };
// A registry of this file's own, so these tests never meet real claims or other test files' claims.
const claimsKey = `forge-previews:test-slots:${randomBytes(6).toString("hex")}`;
const options = { claimsKey };
// Databases this file writes keys into; the concurrency test only records claims (in its own registry) for 2-11.
const DATA_SLOTS = [12, 13];

const overSsh = <T>(fn: (redis: RespClient) => Promise<T>): Promise<T> => withRedisOverSsh(target, onServer, fn);
const request = (stack: string, firstSlot: number, lastSlot: number, pr = 1) => ({
  stack,
  app: "customer",
  pr,
  firstSlot,
  lastSlot,
});

describe("the Redis slot registry, over SSH", () => {
  /** A direct connection to the same Redis, to look at (and seed) what the registry did. */
  let inspector: RedisClientType;

  const keysIn = async (db: number): Promise<string[]> => {
    await inspector.select(db);
    return (await inspector.keys("*")).sort();
  };
  const storedClaims = async (): Promise<Record<string, string>> => {
    await inspector.select(0);
    return inspector.hGetAll(claimsKey);
  };

  beforeAll(async () => {
    inspector = createClient({
      socket: { host: "127.0.0.1", port: services.redis.port },
      password: services.redis.password,
    });
    await inspector.connect();
  });

  afterEach(async () => {
    await inspector.select(0);
    await inspector.del(claimsKey);
    for (const db of DATA_SLOTS) {
      await inspector.select(db);
      await inspector.flushDb();
    }
  });

  afterAll(async () => {
    await inspector.quit();
  });

  it("gives ten stacks claiming at once ten different databases", async () => {
    const stacks = Array.from({ length: 10 }, (_, i) => `pr-${100 + i}`);
    const results = await Promise.all(
      stacks.map((stack, i) => overSsh((redis) => claimSlot(redis, request(stack, 2, 11, 100 + i), options))),
    );

    const slots = results.map((result) => result.slot);
    expect(new Set(slots).size).toBe(10);
    expect([...slots].sort((a, b) => a - b)).toStrictEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const stored = await storedClaims();
    expect(Object.keys(stored)).toHaveLength(10);
    results.forEach((result, i) => {
      expect(JSON.parse(stored[String(result.slot)] as string)).toStrictEqual({
        stack: stacks[i],
        app: "customer",
        pr: 100 + i,
        claimedAt: result.claim.claimedAt,
      });
    });
  });

  it("claims the lowest free database and records owner, app, PR and time", async () => {
    const claimedAt = new Date("2025-03-04T05:06:07.000Z");
    const first = await overSsh((redis) => claimSlot(redis, { ...request("pr-1", 12, 13), claimedAt }, options));

    expect(first).toStrictEqual({
      slot: 12,
      existing: false,
      claim: { stack: "pr-1", app: "customer", pr: 1, claimedAt: "2025-03-04T05:06:07.000Z" },
    });
    expect(await storedClaims()).toStrictEqual({
      "12": JSON.stringify({ stack: "pr-1", app: "customer", pr: 1, claimedAt: "2025-03-04T05:06:07.000Z" }),
    });
  });

  it("gives a stack the database it already holds when it claims again", async () => {
    const first = await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 13), options));
    const again = await overSsh((redis) =>
      claimSlot(redis, { ...request("pr-1", 12, 13), claimedAt: new Date("2030-01-01T00:00:00Z") }, options),
    );

    expect(again).toStrictEqual({ ...first, existing: true });
    expect(Object.keys(await storedClaims())).toStrictEqual(["12"]);
  });

  it("never takes an unclaimed database that already holds keys", async () => {
    await inspector.select(12);
    await inspector.set("someone-elses-key", "keep me");

    const claimed = await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 13), options));

    expect(claimed.slot).toBe(13);
    expect(await keysIn(12)).toStrictEqual(["someone-elses-key"]);
  });

  it("lists who holds each database when the range is exhausted", async () => {
    await overSsh((redis) =>
      claimSlot(redis, { ...request("pr-1", 12, 13), claimedAt: new Date("2025-01-01T10:00:00Z") }, options),
    );
    await inspector.select(13);
    await inspector.set("stray", "x");
    await inspector.select(0);
    // A claim outside the range is not listed: it does not block this range.
    await inspector.hSet(
      claimsKey,
      "5",
      JSON.stringify({ stack: "pr-5", app: "other", pr: 5, claimedAt: "2025-01-01T00:00:00Z" }),
    );

    const error = await errorOf(overSsh((redis) => claimSlot(redis, { ...request("pr-2", 12, 13, 2) }, options)));

    expect(error).toBeInstanceOf(RedisSlotsExhaustedError);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      [
        "No free Redis database in 12-13 for stack pr-2:",
        "  - database 12: held by stack pr-1 (app customer, PR 1, claimed at 2025-01-01T10:00:00.000Z); " +
          "`forge-previews destroy --app customer --pr 1` frees it",
        "  - database 13: unclaimed but holds 1 key, so it is never taken",
        "Destroy a preview that is no longer needed (`forge-previews destroy --app <app> --pr <n>`, or comment " +
          "`/destroy` on its PR), widen `redisSlotRange`, or empty an unclaimed database that nothing uses.",
      ].join("\n"),
    );
    expect(Object.keys(await storedClaims()).sort()).toStrictEqual(["12", "5"]);
  });

  it("refuses a claim when the stack already holds a database outside the range", async () => {
    await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 12), options));

    const error = await errorOf(overSsh((redis) => claimSlot(redis, request("pr-1", 13, 13), options)));

    expect(error).toBeInstanceOf(RedisSlotOutsideRangeError);
    expect(error.message).toContain("Redis database 12 is already held by stack pr-1");
    expect(error.message).toContain("outside the range 13-13");
  });

  it("names the database when the range reaches past the server's databases", async () => {
    const error = await errorOf(overSsh((redis) => claimSlot(redis, request("pr-1", 16, 16), options)));

    expect(error).toBeInstanceOf(RedisSlotInvalidError);
    expect(error.message).toMatch(/^Redis database 16 cannot be selected \(ERR DB index is out of range\)/);
    expect(await storedClaims()).toStrictEqual({});
  });

  it("finds the claim on a database, and null for an unclaimed one", async () => {
    const { claim } = await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 13), options));

    const [found, missing, all] = await overSsh(
      async (redis) =>
        [
          await findClaim(redis, 12, options),
          await findClaim(redis, 13, options),
          await listClaims(redis, options),
        ] as const,
    );

    expect(found).toStrictEqual(claim);
    expect(missing).toBeNull();
    expect([...all.entries()]).toStrictEqual([[12, claim]]);
  });

  it("empties the database and releases the claim when the owner releases it", async () => {
    await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 12), options));
    await inspector.select(12);
    await inspector.set("cache:a", "1");
    await inspector.set("queue:b", "2");

    const released = await overSsh((redis) => releaseSlot(redis, 12, "pr-1", options));

    expect(released).toMatchObject({ outcome: "released", claim: { stack: "pr-1" } });
    expect(await keysIn(12)).toStrictEqual([]);
    expect(await storedClaims()).toStrictEqual({});
  });

  it("never flushes a database another stack holds, and leaves its claim in place", async () => {
    await overSsh((redis) => claimSlot(redis, request("pr-other", 12, 12, 9), options));
    await inspector.select(12);
    await inspector.set("foreign:key", "must survive");
    const before = await storedClaims();

    const released = await overSsh((redis) => releaseSlot(redis, 12, "pr-1", options));

    expect(released).toMatchObject({ outcome: "foreign", claim: { stack: "pr-other", pr: 9 } });
    expect(await keysIn(12)).toStrictEqual(["foreign:key"]);
    expect(await storedClaims()).toStrictEqual(before);
  });

  it("leaves an unclaimed database and its keys alone on release", async () => {
    await inspector.select(13);
    await inspector.set("unclaimed:key", "stays");

    const released = await overSsh((redis) => releaseSlot(redis, 13, "pr-1", options));

    expect(released).toStrictEqual({ outcome: "absent" });
    expect(await keysIn(13)).toStrictEqual(["unclaimed:key"]);
  });

  it("frees a released database for the next stack", async () => {
    await overSsh((redis) => claimSlot(redis, request("pr-1", 12, 12), options));
    await overSsh((redis) => releaseSlot(redis, 12, "pr-1", options));

    const next = await overSsh((redis) => claimSlot(redis, request("pr-2", 12, 12, 2), options));

    expect(next).toMatchObject({ slot: 12, existing: false, claim: { stack: "pr-2" } });
  });
});

describe("withRedisOverSsh authentication", () => {
  it("asks for redisPassword when Redis requires one and none is configured", async () => {
    const error = await errorOf(
      withRedisOverSsh(target, { host: "127.0.0.1", port: services.redis.port }, (redis) =>
        findClaim(redis, 12, options),
      ),
    );

    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      `Redis 127.0.0.1:${services.redis.port} via SSH ${target.user}@127.0.0.1:${target.port} requires a password; ` +
        "set it with `pulumi config set --secret redisPassword` (requirepass in redis.conf)",
    );
  });

  it("reports a wrong redisPassword without repeating it", async () => {
    const wrong = "wrong-redis-password-0815";
    const error = await errorOf(
      withRedisOverSsh(target, { ...onServer, password: wrong }, (redis) => findClaim(redis, 12, options)),
    );

    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain("rejected `redisPassword`");
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(services.redis.password);
  });
});
