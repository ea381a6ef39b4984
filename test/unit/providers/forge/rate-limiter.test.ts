import {
  SlidingWindowRateLimiter,
  configuredRateLimit,
  setSharedRateLimiter,
  sharedRateLimiter,
} from "../../../../providers/forge";
import { fakeTime } from "../../../support/fake-time";

describe("SlidingWindowRateLimiter", () => {
  /** When each of `count` calls, one every `stepMs`, was granted by a limiter of `limit` a minute on a fake clock. */
  async function grantTimes(limit: number, count: number, stepMs: number): Promise<number[]> {
    const time = fakeTime();
    const limiter = new SlidingWindowRateLimiter({ limit, windowMs: 60_000, now: time.now, sleep: time.sleep });
    const grantedAt: number[] = [];
    for (let i = 0; i < count; i++) {
      await limiter.acquire();
      grantedAt.push(time.now());
      time.advance(stepMs);
    }
    return grantedAt;
  }

  it("lets a burst up to the limit through, then waits for the oldest grant to leave the window", async () => {
    expect(await grantTimes(3, 7, 1000)).toStrictEqual([0, 1000, 2000, 60_000, 61_000, 62_000, 120_000]);
  });

  it("never grants more than the limit in any window", async () => {
    const grantedAt = await grantTimes(60, 200, 137);
    for (const start of grantedAt) {
      expect(grantedAt.filter((at) => at >= start && at < start + 60_000).length).toBeLessThanOrEqual(60);
    }
  });

  it("serves concurrent callers in the order they asked", async () => {
    const time = fakeTime();
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 100, now: time.now, sleep: time.sleep });
    const order: string[] = [];
    await Promise.all(["a", "b", "c"].map((name) => limiter.acquire().then(() => order.push(`${name}@${time.now()}`))));
    expect(order).toStrictEqual(["a@0", "b@100", "c@200"]);
  });

  it("holds everyone back after pauseFor", async () => {
    const time = fakeTime();
    const limiter = new SlidingWindowRateLimiter({ limit: 60, windowMs: 60_000, now: time.now, sleep: time.sleep });
    await limiter.acquire();
    limiter.pauseFor(5000);
    await limiter.acquire();
    expect(time.now()).toBe(5000);
  });

  it("paces itself by Forge's X-RateLimit headers once the token's window is half spent by anyone", async () => {
    const time = fakeTime();
    const limiter = new SlidingWindowRateLimiter({ limit: 60, windowMs: 60_000, now: time.now, sleep: time.sleep });
    const seen = (remaining: number) =>
      limiter.observe({
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": String(remaining),
        "x-ratelimit-reset": String((60_000 - time.now()) / 1000),
      });
    // Plenty left: a burst runs unspaced.
    seen(40);
    await limiter.acquire();
    await limiter.acquire();
    expect(time.now()).toBe(0);
    // Other machines spent it down to 10: what is left is spread over the time to the reset.
    seen(10);
    await limiter.acquire();
    expect(time.now()).toBe(6000);
    await limiter.acquire();
    expect(time.now()).toBe(6000 + 54_000 / 9);
    // Spent: nothing until the window resets.
    seen(0);
    await limiter.acquire();
    expect(time.now()).toBe(60_000);
  });

  it("ignores a late answer that reports more left than a fresher one of the same window", async () => {
    const time = fakeTime();
    const limiter = new SlidingWindowRateLimiter({ limit: 60, windowMs: 60_000, now: time.now, sleep: time.sleep });
    const headers = (remaining: number) => ({
      "x-ratelimit-limit": "60",
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": "30",
    });
    limiter.observe(headers(0));
    limiter.observe(headers(45));
    await limiter.acquire();
    expect(time.now()).toBe(30_000);
  });

  it("rejects a limit below one", () => {
    expect(() => new SlidingWindowRateLimiter({ limit: 0 })).toThrow(RangeError);
  });
});

describe("sharedRateLimiter", () => {
  it("is one instance per process, even across separately loaded copies of the module", () => {
    const first = sharedRateLimiter();
    let fromCopy: unknown;
    jest.isolateModules(() => {
      fromCopy = (
        require("../../../../providers/forge/rate-limiter") as typeof import("../../../../providers/forge/rate-limiter")
      ).sharedRateLimiter();
    });
    expect(fromCopy).toBe(first);
    expect(sharedRateLimiter()).toBe(first);
  });

  it("can be replaced, e.g. for an account with a raised limit", () => {
    const original = sharedRateLimiter();
    const raised = new SlidingWindowRateLimiter({ limit: 120 });
    setSharedRateLimiter(raised);
    try {
      expect(sharedRateLimiter()).toBe(raised);
    } finally {
      setSharedRateLimiter(original);
    }
  });
});

describe("configuredRateLimit", () => {
  it("is Forge's 60 a minute unless FORGE_PREVIEWS_RATE_LIMIT raises it", () => {
    expect(configuredRateLimit({})).toBe(60);
    expect(configuredRateLimit({ FORGE_PREVIEWS_RATE_LIMIT: "240" })).toBe(240);
  });

  it("refuses a value that is not a positive whole number, naming the variable", () => {
    expect(() => configuredRateLimit({ FORGE_PREVIEWS_RATE_LIMIT: "fast" })).toThrow(
      "FORGE_PREVIEWS_RATE_LIMIT must be a whole number",
    );
    expect(() => configuredRateLimit({ FORGE_PREVIEWS_RATE_LIMIT: "0" })).toThrow(RangeError);
  });
});
