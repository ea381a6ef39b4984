import {
  ForgeNetworkError,
  ForgeNotFoundError,
  ForgeRateLimitError,
  ForgeServerError,
  ForgeTimeoutError,
  ForgeValidationError,
  MAX_SERVER_DELAY_MS,
  createForgeError,
  isRetryable,
  parseRateLimitReset,
  parseRetryAfter,
  retryDelayMs,
  withRetry,
  type ForgeError,
} from "../../../../providers/forge";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function apiError(status: number, headers: Record<string, string> = {}): ForgeError {
  return createForgeError({
    kind: "response",
    status,
    method: "GET",
    path: "/orgs/acme/servers",
    body: { message: "x" },
    headers,
    operation: null,
    nowMs: NOW,
    secrets: [],
  });
}

function networkError(timedOut: boolean): ForgeError {
  return createForgeError({
    kind: "transport",
    method: "GET",
    path: "/orgs/acme/servers",
    code: timedOut ? "ECONNABORTED" : "ECONNRESET",
    message: "boom",
    timedOut,
    timeoutMs: 100,
    secrets: [],
  });
}

describe("Retry-After and X-RateLimit-Reset parsing", () => {
  it.each([
    ["3", 3000],
    ["0", 0],
    ["1.5", 1500],
    [" 2 ", 2000],
    ["Thu, 01 Jan 2026 00:00:10 GMT", 10_000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0],
  ])("reads Retry-After %p as %p ms", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([[undefined], [""], ["soon"], ["-5"]])("ignores an unreadable Retry-After %p", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it("reads X-RateLimit-Reset as a Unix timestamp, or as seconds when it is small", () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 42), NOW)).toBe(42_000);
    expect(parseRateLimitReset(String(NOW / 1000 - 5), NOW)).toBe(0);
    expect(parseRateLimitReset("7", NOW)).toBe(7000);
    expect(parseRateLimitReset("never", NOW)).toBeUndefined();
  });

  it("prefers Retry-After over X-RateLimit-Reset on a 429", () => {
    const error = apiError(429, { "retry-after": "2", "x-ratelimit-reset": String(NOW / 1000 + 50) });
    expect(error).toBeInstanceOf(ForgeRateLimitError);
    expect(retryDelayMs(error, 1, { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 })).toBe(2000);
    const resetOnly = apiError(429, { "x-ratelimit-reset": String(NOW / 1000 + 50) });
    expect(retryDelayMs(resetOnly, 1, { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 })).toBe(50_000);
  });
});

describe("isRetryable", () => {
  it.each([
    ["GET", 429, true],
    ["POST", 429, true],
    ["GET", 500, true],
    ["PUT", 503, true],
    ["DELETE", 502, true],
    ["POST", 500, false],
    ["POST", 503, false],
    ["GET", 400, false],
    ["GET", 401, false],
    ["GET", 403, false],
    ["GET", 404, false],
    ["PUT", 422, false],
  ])("%s answered %p is retryable: %p", (method, status, expected) => {
    expect(isRetryable(apiError(status), method)).toBe(expected);
  });

  it("retries a repeatable POST after a 5xx or a lost answer, and still never after a 4xx", () => {
    expect(isRetryable(apiError(500), "POST", true)).toBe(true);
    expect(isRetryable(networkError(true), "POST", true)).toBe(true);
    expect(isRetryable(apiError(422), "POST", true)).toBe(false);
  });

  it("retries network errors and timeouts except for POST", () => {
    expect(isRetryable(networkError(false), "GET")).toBe(true);
    expect(isRetryable(networkError(true), "DELETE")).toBe(true);
    expect(isRetryable(networkError(false), "POST")).toBe(false);
    expect(networkError(true)).toBeInstanceOf(ForgeTimeoutError);
    expect(networkError(true)).toBeInstanceOf(ForgeNetworkError);
  });
});

describe("retryDelayMs", () => {
  const options = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };

  it("doubles per retry up to the cap, with half of each delay fixed and half random", () => {
    const error = apiError(500);
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(error, retry, options, () => 0))).toStrictEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(error, retry, options, () => 1))).toStrictEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

describe("withRetry", () => {
  function failing(errors: ForgeError[], result = "ok") {
    let calls = 0;
    const run = async () => {
      calls += 1;
      const error = errors.shift();
      if (error) throw error;
      return result;
    };
    return { run, calls: () => calls };
  }
  const sleeps: number[] = [];
  const context = (method: string, attempts = 4) => ({
    method,
    options: { attempts, baseDelayMs: 10, maxDelayMs: 40 },
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 1,
  });
  beforeEach(() => sleeps.splice(0));

  it("retries a 503 and then succeeds", async () => {
    const target = failing([apiError(503), apiError(503)]);
    await expect(withRetry(target.run, context("GET"))).resolves.toBe("ok");
    expect(target.calls()).toBe(3);
    expect(sleeps).toStrictEqual([10, 20]);
  });

  it("stops after the configured number of attempts and throws the last error", async () => {
    const target = failing([apiError(500), apiError(502), apiError(503), apiError(504), apiError(500)]);
    const promise = withRetry(target.run, context("GET", 3));
    await expect(promise).rejects.toBeInstanceOf(ForgeServerError);
    await expect(promise).rejects.toThrow("failed with 503");
    expect(target.calls()).toBe(3);
  });

  it("does not retry a POST that failed with 500", async () => {
    const target = failing([apiError(500)]);
    await expect(withRetry(target.run, context("POST"))).rejects.toBeInstanceOf(ForgeServerError);
    expect(target.calls()).toBe(1);
    expect(sleeps).toStrictEqual([]);
  });

  it("retries a POST refused with 429, waiting as long as Retry-After says", async () => {
    const target = failing([apiError(429, { "retry-after": "1" })]);
    await expect(withRetry(target.run, context("POST"))).resolves.toBe("ok");
    expect(target.calls()).toBe(2);
    expect(sleeps).toStrictEqual([1000]);
  });

  it("keeps retrying 429s past `attempts`, as the token's window always resets, and gives up after `rateLimitRetries`", async () => {
    const refusals = () => Array.from({ length: 6 }, () => apiError(429, { "x-ratelimit-reset": "2" }));
    const target = failing(refusals());
    await expect(withRetry(target.run, context("GET", 2))).resolves.toBe("ok");
    expect(target.calls()).toBe(7);
    expect(sleeps).toStrictEqual(Array.from({ length: 6 }, () => 2000));

    const capped = failing(refusals());
    const limited = { ...context("GET", 2), options: { ...context("GET", 2).options, rateLimitRetries: 3 } };
    await expect(withRetry(capped.run, limited)).rejects.toBeInstanceOf(ForgeRateLimitError);
    expect(capped.calls()).toBe(4);
  });

  it("never retries other 4xx", async () => {
    const target = failing([apiError(404)]);
    await expect(withRetry(target.run, context("GET"))).rejects.toBeInstanceOf(ForgeNotFoundError);
    const invalid = failing([apiError(422)]);
    await expect(withRetry(invalid.run, context("PUT"))).rejects.toBeInstanceOf(ForgeValidationError);
    expect(target.calls() + invalid.calls()).toBe(2);
  });

  it("gives up at once when the server asks for a longer wait than it is worth", async () => {
    const seconds = String(MAX_SERVER_DELAY_MS / 1000 + 1);
    const target = failing([apiError(429, { "retry-after": seconds })]);
    await expect(withRetry(target.run, context("GET"))).rejects.toBeInstanceOf(ForgeRateLimitError);
    expect(target.calls()).toBe(1);
  });

  it("does not treat errors from outside the client as retryable", async () => {
    let calls = 0;
    const run = async () => {
      calls += 1;
      throw new TypeError("bug");
    };
    await expect(withRetry(run, context("GET"))).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });
});
