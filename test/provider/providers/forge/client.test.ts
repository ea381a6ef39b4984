import { inspect } from "util";
import {
  ForgeAuthError,
  ForgeNetworkError,
  ForgeNotFoundError,
  ForgeRateLimitError,
  ForgeServerError,
  ForgeValidationError,
  ForgeWaitTimeoutError,
  SlidingWindowRateLimiter,
  waitDone,
  waitPending,
} from "../../../../providers/forge";
import { ORG, SERVER_ID, TOKEN, startHarness, useHarness } from "../../../support/forge-simulator";

const t = useHarness();

async function createSites(count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await t.forge.sites.create(SERVER_ID, { type: "laravel", name: `pr-${i}.example.dev`, domainMode: "custom" });
  }
  t.h.sim.clearRequests();
}

describe("ForgeClient against the simulator", () => {
  it("lists a two-page collection, sending page[size] and then the next cursor", async () => {
    await createSites(3);
    const sites = await t.forge.sites.list(SERVER_ID).all();
    expect(sites.map((site) => site.name)).toStrictEqual(["pr-1.example.dev", "pr-2.example.dev", "pr-3.example.dev"]);
    expect(t.h.calls()).toStrictEqual([`GET /orgs/${ORG}/servers/1/sites`, `GET /orgs/${ORG}/servers/1/sites`]);
    const [first, second] = t.h.sim.requests;
    expect(first!.query).toStrictEqual({ "page[size]": "2" });
    expect(second!.query).toStrictEqual({ "page[size]": "2", "page[cursor]": expect.any(String) });
  });

  it("stops paging once find has its match", async () => {
    await createSites(5);
    const found = await t.forge.sites.list(SERVER_ID).find((site) => site.name === "pr-3.example.dev");
    expect(found?.name).toBe("pr-3.example.dev");
    expect(t.h.sim.requests).toHaveLength(2);
  });

  it("surfaces 422 field errors in the message and in fieldErrors, without retrying", async () => {
    const promise = t.forge.sites.create(SERVER_ID, {
      type: "laravel",
      name: "pr-1.example.dev",
      isIsolated: true,
      isolatedUser: "Not Valid!",
    });
    await expect(promise).rejects.toBeInstanceOf(ForgeValidationError);
    const error = (await promise.catch((e: unknown) => e)) as ForgeValidationError;
    expect(error.message).toMatch(/^`POST \/orgs\/acme\/servers\/1\/sites` failed with 422: \S/);
    expect(Object.keys(error.fieldErrors)).toContain("isolated_user");
    expect(error.message).toContain(error.fieldErrors.isolated_user![0]!.replace(/\.$/, ""));
    expect(t.h.calls()).toStrictEqual([`POST /orgs/${ORG}/servers/1/sites`]);
  });

  it("obeys Retry-After on 429, pausing the shared limiter, then succeeds", async () => {
    t.h.sim.inject({
      method: "GET",
      path: `/orgs/${ORG}/servers`,
      status: 429,
      times: 2,
      headers: { "Retry-After": "1" },
    });
    const servers = await t.forge.servers.list().all();
    expect(servers.map((server) => server.id)).toStrictEqual([1]);
    expect(t.h.sim.requests.map((request) => request.status)).toStrictEqual([429, 429, 200]);
    // Each 429 waits its Retry-After once, in the retry loop; the paused limiter adds no second wait.
    expect(t.h.time.sleeps).toStrictEqual([1000, 1000]);
    expect(t.h.logs.filter((line) => line.includes("got 429"))).toHaveLength(2);
  });

  it("falls back to X-RateLimit-Reset when a 429 has no Retry-After", async () => {
    const resetAt = Math.ceil(t.h.time.now() / 1000) + 2;
    // Virtual time stands still until the client sleeps, so the wait is exactly reset minus now.
    const expected = resetAt * 1000 - t.h.time.now();
    t.h.sim.inject({
      path: `/orgs/${ORG}/servers`,
      status: 429,
      headers: { "Retry-After": "", "X-RateLimit-Reset": String(resetAt) },
    });
    await t.forge.servers.list().all();
    expect(t.h.time.sleeps).toStrictEqual([expected]);
  });

  it("retries a 503 and then succeeds", async () => {
    await createSites(1);
    const [site] = await t.forge.sites.list(SERVER_ID).all();
    t.h.sim.clearRequests();
    t.h.sim.inject({ method: "GET", path: `/orgs/${ORG}/sites/${site!.id}`, status: 503, times: 2 });
    await expect(t.forge.sites.get(site!.id)).resolves.toMatchObject({ id: site!.id, status: "installed" });
    expect(t.h.sim.requests.map((request) => request.status)).toStrictEqual([503, 503, 200]);
    expect(t.h.time.sleeps).toStrictEqual([75, 150]);
  });

  it("gives up after the configured attempts with the last error", async () => {
    t.h.sim.inject({ path: `/orgs/${ORG}/servers/1`, status: 503, times: Infinity });
    const promise = t.forge.servers.get(SERVER_ID);
    await expect(promise).rejects.toBeInstanceOf(ForgeServerError);
    await expect(promise).rejects.toThrow("`GET /orgs/acme/servers/1` failed with 503: Service Unavailable");
    expect(t.h.sim.requests).toHaveLength(4);
  });

  it("does not retry a POST that failed with 500", async () => {
    t.h.sim.inject({ method: "POST", path: `/orgs/${ORG}/servers/1/sites`, status: 500 });
    await expect(t.forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-1.example.dev" })).rejects.toBeInstanceOf(
      ForgeServerError,
    );
    expect(t.h.calls()).toStrictEqual([`POST /orgs/${ORG}/servers/1/sites`]);
    expect(t.h.time.sleeps).toStrictEqual([]);
  });

  it("retries a GET that timed out", async () => {
    const quick = t.h.client({ timeoutMs: 200 });
    t.h.sim.inject({ method: "GET", path: `/orgs/${ORG}/servers/1`, delayMs: 600 });
    await expect(quick.servers.get(SERVER_ID)).resolves.toMatchObject({ id: 1 });
    expect(t.h.sim.requests).toHaveLength(2);
    expect(t.h.logs.some((line) => line.includes("timed out after 200 ms"))).toBe(true);
  });

  it("throws a ForgeNetworkError when nothing listens, after the bounded retries", async () => {
    const offline = t.h.client({ baseUrl: "http://127.0.0.1:1/api" });
    await expect(offline.servers.list().all()).rejects.toBeInstanceOf(ForgeNetworkError);
    expect(t.h.time.sleeps).toHaveLength(3);
    t.h.time.sleeps.splice(0);
    await expect(offline.sites.create(SERVER_ID, { type: "laravel" })).rejects.toBeInstanceOf(ForgeNetworkError);
    expect(t.h.time.sleeps).toHaveLength(0);
  });

  it("reads the token at call time from a getter", async () => {
    let token = TOKEN;
    const client = t.h.client({ token: () => token });
    await expect(client.servers.get(SERVER_ID)).resolves.toMatchObject({ id: 1 });
    token = "a-revoked-token-0000";
    await expect(client.servers.get(SERVER_ID)).rejects.toBeInstanceOf(ForgeAuthError);
  });

  it("maps a 404 to ForgeNotFoundError naming the method and path", async () => {
    await expect(t.forge.sites.get(987654)).rejects.toThrow(ForgeNotFoundError);
    await expect(t.forge.sites.get(987654)).rejects.toThrow(/^`GET \/orgs\/acme\/sites\/987654` failed with 404: /);
  });

  it("times out waitFor with a message naming the object and its last status", async () => {
    const slow = await startHarness({ profile: "realistic" });
    try {
      const client = slow.client();
      const site = await client.sites.create(SERVER_ID, { type: "laravel", name: "pr-9.example.dev" });
      const wait = client.waitFor(
        async () => {
          const current = await client.sites.get(site.id);
          return current.status === "installed" ? waitDone(current) : waitPending(current.status);
        },
        { what: `site ${site.id} (pr-9.example.dev) to be installed`, timeoutMs: 5_000, intervalMs: 1_000, backoff: 2 },
      );
      await expect(wait).rejects.toBeInstanceOf(ForgeWaitTimeoutError);
      await expect(wait).rejects.toThrow(
        `Timed out after 5 s waiting for site ${site.id} (pr-9.example.dev) to be installed (last status \`installing\`)`,
      );
      expect(slow.time.sleeps).toStrictEqual([1000, 2000, 2000]);
    } finally {
      await slow.sim.close();
    }
  });
});

describe("rate limiting against the simulator", () => {
  it("keeps a burst of concurrent requests under the server's limit without a single 429", async () => {
    const tight = await startHarness({ rateLimitPerMinute: 5, rateLimitWindowMs: 400 });
    try {
      const client = tight.client({ limiter: new SlidingWindowRateLimiter({ limit: 5, windowMs: 450 }) });
      const started = Date.now();
      await Promise.all(Array.from({ length: 12 }, () => client.servers.get(SERVER_ID)));
      expect(tight.sim.requests.map((request) => request.status)).toStrictEqual(Array(12).fill(200));
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await tight.sim.close();
    }
  });
});

describe("secrets in errors and logs", () => {
  function printed(error: unknown): string {
    const e = error as Error;
    return [String(e), e.stack, JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true })].join("\n");
  }

  it("never shows the token in any error or log line", async () => {
    const errors: unknown[] = [];
    const capture = (promise: Promise<unknown>) =>
      promise.then(
        () => errors.push(new Error("expected a failure")),
        (e: unknown) => errors.push(e),
      );
    t.h.sim.inject({ path: `/orgs/${ORG}/servers`, status: 429, times: Infinity, headers: { "Retry-After": "0" } });
    await capture(t.forge.servers.list().all());
    t.h.sim.inject({
      path: `/orgs/${ORG}/servers/1`,
      status: 500,
      times: Infinity,
      body: { message: `echo ${TOKEN}` },
    });
    await capture(t.forge.servers.get(SERVER_ID));
    await capture(t.forge.sites.get(424242));
    await capture(t.forge.sites.create(SERVER_ID, { type: "laravel", isIsolated: true, isolatedUser: "Bad User" }));
    await capture(t.h.client({ baseUrl: "http://127.0.0.1:1/api" }).servers.get(SERVER_ID));
    t.h.sim.inject({ path: `/orgs/${ORG}/sites/1`, delayMs: 500, times: Infinity });
    await capture(t.h.client({ timeoutMs: 100 }).sites.get(1));
    expect(errors.map((e) => (e as Error).name)).toStrictEqual([
      "ForgeRateLimitError",
      "ForgeServerError",
      "ForgeNotFoundError",
      "ForgeValidationError",
      "ForgeNetworkError",
      "ForgeTimeoutError",
    ]);
    for (const error of errors) {
      expect(printed(error)).not.toContain(TOKEN);
      expect(printed(error)).not.toMatch(/authorization/i);
    }
    expect(printed(errors[1])).toContain("[REDACTED]");
    expect(t.h.logs.length).toBeGreaterThan(10);
    expect(t.h.logs.join("\n")).not.toContain(TOKEN);
    expect(inspect(t.forge, { depth: Infinity, showHidden: true })).not.toContain(TOKEN);
  });

  it("names the missing scope on a 403", async () => {
    const limited = await startHarness({ tokenScopes: ["server:view"] });
    try {
      const promise = limited.client().sites.create(SERVER_ID, { type: "laravel", name: "pr-1.example.dev" });
      await expect(promise).rejects.toBeInstanceOf(ForgeAuthError);
      await expect(promise).rejects.toThrow("The token needs the `site:create` scope");
      expect(((await promise.catch((e: unknown) => e)) as ForgeAuthError).requiredScopes).toStrictEqual([
        "site:create",
      ]);
    } finally {
      await limited.sim.close();
    }
  });

  it("keeps passwords sent in a body out of the error text", async () => {
    const password = "correct-horse-battery-staple";
    t.h.sim.inject({
      method: "POST",
      path: `/orgs/${ORG}/servers/1/database/users`,
      status: 422,
      body: { message: `bad ${password}`, errors: { password: [`${password} is weak`] } },
    });
    const error = await t.forge.databaseUsers.create(SERVER_ID, { name: "pr_1", password }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeValidationError);
    expect(printed(error)).not.toContain(password);
    expect(t.h.logs.join("\n")).not.toContain(password);
  });

  it("is not retried on a rate limit it cannot recover from in time", async () => {
    t.h.sim.inject({ path: `/orgs/${ORG}/servers`, status: 429, headers: { "Retry-After": "3600" } });
    await expect(t.forge.servers.list().all()).rejects.toBeInstanceOf(ForgeRateLimitError);
    expect(t.h.sim.requests).toHaveLength(1);
  });
});
