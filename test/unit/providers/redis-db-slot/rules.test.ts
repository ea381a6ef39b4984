import { UNKNOWN_SENTINEL as UNKNOWN } from "../../../../providers/runtime";
import {
  type RedisDbSlotOutputs,
  checkRedisDbSlotInputs,
  diffRedisDbSlot,
} from "../../../../providers/redis-db-slot/rules";

const valid = {
  stack: "pr-7",
  app: "customer",
  pr: 7,
  firstSlot: 2,
  lastSlot: 15,
  redisHost: "127.0.0.1",
  redisPort: 6379,
};

describe("checkRedisDbSlotInputs", () => {
  it("fills in the default range 2-15 and Redis at 127.0.0.1:6379", () => {
    expect(checkRedisDbSlotInputs({ stack: "pr-7", app: "customer", pr: 7 })).toStrictEqual({
      inputs: valid,
      failures: [],
    });
  });

  it("keeps only the known fields", () => {
    expect(checkRedisDbSlotInputs({ ...valid, extra: "x" }).inputs).toStrictEqual(valid);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["an empty stack", { stack: "" }, "stack", "`stack` must be the Pulumi stack name"],
    ["a stack with a space", { stack: "pr 7" }, "stack", "`stack` must be the Pulumi stack name"],
    ["an upper-case app", { app: "Customer" }, "app", "`app` must be a lower-case app name"],
    ["PR 0", { pr: 0 }, "pr", "`pr` must be a pull request number"],
    ["a fractional PR", { pr: 1.5 }, "pr", "`pr` must be a pull request number"],
    [
      "a range starting at 0",
      { firstSlot: 0 },
      "firstSlot",
      "databases 0 and 1 are production's REDIS_DB and REDIS_CACHE_DB",
    ],
    ["a range starting at 1", { firstSlot: 1 }, "firstSlot", "`firstSlot` must be an integer from 2 to 1023"],
    ["a range ending at 1", { lastSlot: 1 }, "lastSlot", "`lastSlot` must be an integer from 2 to 1023"],
    ["a string slot", { firstSlot: "3" }, "firstSlot", "`firstSlot` must be an integer"],
    ["a reversed range", { firstSlot: 9, lastSlot: 4 }, "lastSlot", "`lastSlot` (4) must not be below `firstSlot` (9)"],
    ["a host with a space", { redisHost: "local host" }, "redisHost", "`redisHost` must be a host name or IP address"],
    ["port 0", { redisPort: 0 }, "redisPort", "`redisPort` must be a port number 1-65535"],
  ])("refuses %s naming the field", (_case, change, property, reason) => {
    const { failures } = checkRedisDbSlotInputs({ ...valid, ...change });

    expect(failures).toStrictEqual([{ property, reason: expect.stringContaining(reason) }]);
  });

  it("passes unknown preview values through without failures", () => {
    const news = { ...valid, stack: UNKNOWN, pr: UNKNOWN, firstSlot: UNKNOWN };

    expect(checkRedisDbSlotInputs(news)).toStrictEqual({ inputs: news, failures: [] });
  });
});

describe("diffRedisDbSlot", () => {
  const olds: RedisDbSlotOutputs = { ...valid, slot: 5, claimedAt: "2025-01-01T00:00:00.000Z" };
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };

  it.each<[string, Record<string, unknown>, object]>([
    ["nothing changed", {}, none],
    ["another stack", { stack: "pr-8" }, { changes: true, replaces: ["stack"], deleteBeforeReplace: true }],
    ["another app", { app: "shop" }, { changes: true, replaces: ["app"], deleteBeforeReplace: true }],
    ["another PR", { pr: 8 }, { changes: true, replaces: ["pr"], deleteBeforeReplace: true }],
    ["another Redis port", { redisPort: 6380 }, { changes: true, replaces: ["redisPort"], deleteBeforeReplace: true }],
    [
      "a wider range still holding the slot",
      { lastSlot: 20 },
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    [
      "a narrower range still holding the slot",
      { firstSlot: 5, lastSlot: 5 },
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    [
      "a range that excludes the slot",
      { firstSlot: 6 },
      { changes: true, replaces: ["firstSlot"], deleteBeforeReplace: true },
    ],
    [
      "a range ending below the slot",
      { firstSlot: 2, lastSlot: 4 },
      { changes: true, replaces: ["lastSlot"], deleteBeforeReplace: true },
    ],
    ["an unknown stack", { stack: UNKNOWN }, { changes: true, replaces: ["stack"], deleteBeforeReplace: true }],
    [
      "an unknown range end",
      { lastSlot: UNKNOWN },
      { changes: true, replaces: ["lastSlot"], deleteBeforeReplace: true },
    ],
  ])("with %s", (_case, change, expected) => {
    expect(diffRedisDbSlot(olds, { ...valid, ...change } as typeof valid)).toStrictEqual(expected);
  });
});
