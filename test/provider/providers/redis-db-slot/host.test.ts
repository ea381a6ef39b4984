import { randomBytes } from "node:crypto";
import { type RedisClientType, createClient } from "redis";
import { type CapturedRegistration, expectRegisteredAs } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure } from "../../../support/dynamic-host";
import { type ProviderHost, startServerProviderHost } from "../../../support/provider-host";
import { expectNoServerSecrets, testServices } from "../../../support/services";
import { IN_PLACE, NO_CHANGES, replacing } from "../../../support/diff-outcomes";

/**
 * forge:RedisDbSlot through the real dynamic-provider host, against the local sshd and Redis, with the claims in the
 * real registry hash. Every stack name carries this run's prefix; this file claims only from 14-15, except the
 * concurrency test, which uses 2-11 and writes no keys there.
 */
const services = testServices();
const CLAIMS_KEY = "forge-previews:slots";
const RUN = randomBytes(4).toString("hex");
const stackName = (label: string): string => `test-${RUN}-${label}`;

describe("forge:RedisDbSlot through the real dynamic-provider host", () => {
  let fixture: ProviderHost;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let base: Record<string, unknown>;
  let inspector: RedisClientType;

  const inputsFor = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...base, ...changes });
  const checked = async (changes: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const result = await host.check(urn, {}, inputsFor(changes));
    expect(result.failures).toStrictEqual([]);
    return result.inputs;
  };
  const storedClaims = async (): Promise<Record<string, Record<string, unknown>>> => {
    await inspector.select(0);
    const raw = await inspector.hGetAll(CLAIMS_KEY);
    return Object.fromEntries(
      Object.entries(raw)
        .map(([slot, text]) => [slot, JSON.parse(text) as Record<string, unknown>] as const)
        .filter(([, claim]) => String(claim.stack).startsWith(`test-${RUN}-`)),
    );
  };
  const keysIn = async (db: number): Promise<string[]> => {
    await inspector.select(db);
    return (await inspector.keys("*")).sort();
  };

  beforeAll(async () => {
    fixture = await startServerProviderHost({
      services: { redis: true },
      register: async () => {
        const { RedisDbSlot } = await import("../../../../providers/redis-db-slot");
        return new RedisDbSlot("redis-slot", {
          stack: stackName("main"),
          app: "customer",
          pr: 7,
          firstSlot: 14,
          lastSlot: 15,
          redisPort: services.redis.port,
        });
      },
    });
    ({ host, registration, urn, inputs: base } = fixture);
    inspector = createClient({
      socket: { host: "127.0.0.1", port: services.redis.port },
      password: services.redis.password,
    });
    await inspector.connect();
  });

  afterAll(async () => {
    await fixture?.close();
    if (inspector) {
      // Whatever a failed test left behind: this run's claims, and the keys it wrote into its databases.
      const leftovers = await storedClaims();
      await inspector.select(0);
      for (const slot of Object.keys(leftovers)) await inspector.hDel(CLAIMS_KEY, slot);
      for (const db of [14, 15]) {
        await inspector.select(db);
        for (const key of await inspector.keys(`test-${RUN}:*`)) await inspector.del(key);
      }
      await inspector.quit();
    }
  });

  it("registers as forge:RedisDbSlot with only the given inputs, leaving defaults to check", () => {
    expectRegisteredAs(registration, "RedisDbSlot", ["app", "firstSlot", "lastSlot", "pr", "redisPort", "stack"]);
    expect(registration.inputs).toMatchObject({
      stack: stackName("main"),
      app: "customer",
      pr: 7,
      firstSlot: 14,
      lastSlot: 15,
    });
  });

  describe("check and diff", () => {
    it("fills in the defaults for the Redis endpoint", async () => {
      const { redisPort: _port, ...withoutPort } = base;
      const result = await host.check(urn, {}, withoutPort);

      expect(result.inputs).toMatchObject({ redisHost: "127.0.0.1", redisPort: 6379, firstSlot: 14, lastSlot: 15 });
    });

    it("refuses a range that includes production's databases, naming the field", async () => {
      const result = await host.check(urn, {}, inputsFor({ firstSlot: 1 }));

      expect(result.failures).toStrictEqual([
        {
          property: "firstSlot",
          reason:
            "`firstSlot` must be an integer from 2 to 1023; databases 0 and 1 are production's REDIS_DB and REDIS_CACHE_DB",
        },
      ]);
    });

    it("checks and diffs unknown preview inputs without writing to Redis", async () => {
      const before = await inspector.select(0).then(() => inspector.hGetAll(CLAIMS_KEY));
      const preview = inputsFor({ stack: UNKNOWN, lastSlot: UNKNOWN });

      const result = await host.check(urn, {}, preview);
      const diff = await host.diff(
        urn,
        "14",
        { ...base, slot: 14, claimedAt: "t", redisHost: "127.0.0.1" },
        result.inputs,
      );

      expect(result.failures).toStrictEqual([]);
      expect(diff).toStrictEqual(replacing(["stack", "lastSlot"], "delete-first"));
      expect(await inspector.select(0).then(() => inspector.hGetAll(CLAIMS_KEY))).toStrictEqual(before);
    });
  });

  describe("lifecycle of one slot", () => {
    let inputs: Record<string, unknown>;
    let id: string;
    let outs: Record<string, unknown>;

    beforeAll(async () => {
      inputs = await checked({});
    });

    it("claims the lowest free database in the range and records the claim in Redis", async () => {
      ({ id, outs } = await host.create(urn, inputs));

      expect(id).toBe("14");
      expect(outs).toStrictEqual({
        ...inputs,
        slot: 14,
        claimedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(await storedClaims()).toStrictEqual({
        "14": { stack: stackName("main"), app: "customer", pr: 7, claimedAt: outs.claimedAt },
      });
    });

    it("keeps the same slot when create runs again for the same stack", async () => {
      const again = await host.create(urn, inputs);

      expect(again).toStrictEqual({ id, outs });
      expect(Object.keys(await storedClaims())).toStrictEqual(["14"]);
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("updates in place when the range changes but still holds the slot", async () => {
      const wider = await checked({ firstSlot: 3 });

      expect(await host.diff(urn, id, outs, wider)).toStrictEqual(IN_PLACE);
      const updated = await host.update(urn, id, outs, wider);
      expect(updated.outs).toStrictEqual({ ...outs, firstSlot: 3 });
      expect(Object.keys(await storedClaims())).toStrictEqual(["14"]);
    });

    it("asks for delete-before-replace when the owner or the range around the slot changes", async () => {
      expect(await host.diff(urn, id, outs, await checked({ pr: 8 }))).toStrictEqual(replacing(["pr"], "delete-first"));
      expect(await host.diff(urn, id, outs, await checked({ firstSlot: 15 }))).toStrictEqual(
        replacing(["firstSlot"], "delete-first"),
      );
    });

    it("reads the claim back while this stack holds it", async () => {
      const read = await host.read(urn, id, outs, inputs);

      expect(read.id).toBe(id);
      expect(read.props).toStrictEqual(outs);
    });

    it("empties the database and releases the claim on delete", async () => {
      await inspector.select(14);
      await inspector.set(`test-${RUN}:cache`, "1");

      await host.delete(urn, id, outs);

      expect(await keysIn(14)).toStrictEqual([]);
      expect(await storedClaims()).toStrictEqual({});
    });

    it("treats deleting an already released slot as done", async () => {
      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();
    });

    it("drops the slot from state on refresh once its claim is gone", async () => {
      expect(await host.read(urn, id, outs, inputs)).toMatchObject({ id: "" });
    });
  });

  describe("a slot another stack holds", () => {
    let mine: { id: string; outs: Record<string, unknown> };

    beforeAll(async () => {
      mine = await host.create(urn, await checked({ stack: stackName("owner"), lastSlot: 14 }));
      // The claim is taken over out of band, e.g. someone re-pointed it at their own stack.
      await inspector.select(0);
      await inspector.hSet(
        CLAIMS_KEY,
        mine.id,
        JSON.stringify({
          stack: stackName("intruder"),
          app: "customer",
          pr: 99,
          claimedAt: "2025-01-01T00:00:00.000Z",
        }),
      );
      await inspector.select(14);
      await inspector.set(`test-${RUN}:foreign`, "must survive");
    });

    afterAll(async () => {
      await inspector.select(0);
      await inspector.hDel(CLAIMS_KEY, mine.id);
      await inspector.select(14);
      await inspector.del(`test-${RUN}:foreign`);
    });

    it("drops the slot from this stack's state on refresh", async () => {
      expect(await host.read(urn, mine.id, mine.outs)).toMatchObject({ id: "" });
    });

    it("refuses an in-place update, telling the user to refresh", async () => {
      const error = await hostCallFailure(host.update(urn, mine.id, mine.outs, { ...mine.outs, firstSlot: 13 }));

      expect(error.details).toContain(`Redis database 14 is no longer held by stack ${stackName("owner")}`);
    });

    it("never flushes the other stack's database on delete and leaves its claim in place", async () => {
      await host.delete(urn, mine.id, mine.outs);

      expect(await keysIn(14)).toStrictEqual([`test-${RUN}:foreign`]);
      expect((await storedClaims())[mine.id]).toMatchObject({ stack: stackName("intruder") });
      await host.waitForLog(/database 14 is held by stack test-.*-intruder .* left it and its keys alone/);
    });
  });

  it("names every holder when the range is exhausted", async () => {
    const first = await host.create(urn, await checked({ stack: stackName("first"), pr: 1 }));
    const second = await host.create(urn, await checked({ stack: stackName("second"), pr: 2 }));
    try {
      const { details } = await hostCallFailure(host.create(urn, await checked({ stack: stackName("third"), pr: 3 })));

      expect(details).toContain(`No free Redis database in 14-15 for stack ${stackName("third")}:`);
      expect(details).toContain(
        `database 14: held by stack ${stackName("first")} (app customer, PR 1, claimed at ${first.outs.claimedAt})`,
      );
      expect(details).toContain(
        `database 15: held by stack ${stackName("second")} (app customer, PR 2, claimed at ${second.outs.claimedAt})`,
      );
      expect(Object.values(await storedClaims()).map((claim) => claim.stack)).not.toContain(stackName("third"));
    } finally {
      await host.delete(urn, first.id, first.outs);
      await host.delete(urn, second.id, second.outs);
    }
  });

  it("gives ten stacks created at once ten different databases", async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, async (_, i) =>
        host.create(urn, await checked({ stack: stackName(`many-${i}`), pr: 100 + i, firstSlot: 2, lastSlot: 11 })),
      ),
    );
    try {
      const slots = created.map((result) => result.outs.slot as number);
      expect(new Set(slots).size).toBe(10);
      expect(slots.every((slot) => slot >= 2 && slot <= 11)).toBe(true);
      expect(Object.keys(await storedClaims()).sort()).toStrictEqual(slots.map(String).sort());
    } finally {
      await Promise.all(created.map((result) => host.delete(urn, result.id, result.outs)));
    }
    expect(await storedClaims()).toStrictEqual({});
  });

  it("keeps the SSH key and the Redis password out of the host's logs", () => {
    expectNoServerSecrets(host.logs(), services);
  });
});
