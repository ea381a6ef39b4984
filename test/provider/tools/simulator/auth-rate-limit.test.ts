import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, startTestSimulator } from "../../../support/simulator";

describe("simulator bearer-token auth and scopes", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ tokenScopes: ["organization:view", "server:view"] });
  });
  afterAll(async () => sim.close());

  it("answers 401 {message} for a missing or wrong token", async () => {
    const missing = await call(sim, "GET", "/orgs", undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ message: "Unauthenticated." });
    const wrong = await call(sim, "GET", "/orgs", undefined, "not-the-token");
    expect(wrong.status).toBe(401);
  });

  it("answers 403 naming the scope the token lacks", async () => {
    expect((await call(sim, "GET", `${SERVER_PATH}/sites`)).status).toBe(200);
    const denied = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-1.example.test" });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toContain("`site:create`");
    expect(sim.state().sites).toHaveLength(0);
  });
});

describe("simulator rate limit", () => {
  let sim: Simulator;
  beforeAll(async () => {
    // Long enough that four local requests always fall into one window, even on a loaded CI machine.
    sim = await startTestSimulator({ rateLimitPerMinute: 3, rateLimitWindowMs: 2_000 });
  });
  afterAll(async () => sim.close());

  it("sends the limit headers on every response and 429 with Retry-After once the budget is spent", async () => {
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await call(sim, "GET", "/orgs"));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((answer) => answer.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0", "0"]);
    for (const answer of answers) {
      expect(answer.headers.get("x-ratelimit-limit")).toBe("3");
      expect(Number(answer.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    }
    expect(answers[3].json).toEqual({ message: "Too Many Attempts." });
    // The seconds left of the window, rounded up.
    expect(["1", "2"]).toContain(answers[3].headers.get("retry-after"));
    const unauthorized = await call(sim, "GET", "/orgs", undefined, null);
    expect(unauthorized.headers.get("x-ratelimit-limit")).toBe("3");
  });

  it("accepts requests again once the window has passed", async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_050));
    const response = await call(sim, "GET", "/orgs");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ratelimit-remaining")).toBe("2");
  });
});

describe("simulator with the rate limit disabled", () => {
  it("sends no rate-limit headers and never answers 429", async () => {
    const sim = await startTestSimulator({ rateLimitPerMinute: 0 });
    try {
      const statuses = [];
      for (let index = 0; index < 70; index += 1) statuses.push((await call(sim, "GET", "/orgs")).status);
      expect(new Set(statuses)).toEqual(new Set([200]));
      expect((await call(sim, "GET", "/orgs")).headers.get("x-ratelimit-limit")).toBeNull();
    } finally {
      await sim.close();
    }
  });
});
