import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator fault injection", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ rateLimitPerMinute: 0 });
  });
  afterAll(async () => sim.close());
  beforeEach(() => sim.reset());

  it("answers a burst of 429s on one route, then recovers", async () => {
    sim.inject({ method: "GET", path: `${SERVER_PATH}/sites`, status: 429, times: 2, headers: { "Retry-After": "7" } });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push(await call(sim, "GET", `${SERVER_PATH}/sites`));
    expect(statuses.map((response) => response.status)).toEqual([429, 429, 200]);
    expect(statuses[0].headers.get("retry-after")).toBe("7");
    expect(statuses[0].json).toEqual({ message: "Too Many Attempts." });
    // Other routes are untouched by the fault.
    expect((await call(sim, "GET", "/orgs")).status).toBe(200);
  });

  it("matches route templates and regular expressions, with 500 and 503 bodies", async () => {
    sim.inject({ path: "/orgs/{organization}/servers/{server}", status: 503 });
    sim.inject({ method: "POST", path: /\/database\/schemas$/, status: 500, body: { message: "boom" } });
    expect((await call(sim, "GET", SERVER_PATH)).json).toEqual({ message: "Service Unavailable" });
    const failed = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "pr_1" });
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ message: "boom" });
    // The faulted create never reached the handler.
    expect(sim.state().databases).toEqual([]);
    expect((await call(sim, "GET", SERVER_PATH)).status).toBe(200);
  });

  it("delays a response by the injected time and then answers normally", async () => {
    sim.inject({ path: "/orgs", delayMs: 150 });
    const started = Date.now();
    const response = await call(sim, "GET", "/orgs");
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("makes the next deployment on a site fail with a log saying why", async () => {
    const site = await createSite(sim, "pr-30.example.test");
    sim.inject({ method: "POST", path: `${SERVER_PATH}/sites/${site}/deployments`, asyncOutcome: "failed" });
    const failed = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    expect(failed.json.data.attributes.status).toBe("queued");
    const path = `${SERVER_PATH}/sites/${site}/deployments/${failed.json.data.id}`;
    expect((await call(sim, "GET", path)).json.data.attributes.status).toBe("failed");
    expect((await call(sim, "GET", `${path}/log`)).json.data.attributes.output).toContain("Deployment failed");
    const next = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    expect(
      (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/deployments/${next.json.data.id}`)).json.data.attributes
        .status,
    ).toBe("finished");
  });

  it("makes the next certificate fail and leaves the domain without an active certificate", async () => {
    const site = await createSite(sim, "pr-31.example.test");
    const domainId = (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains`)).json.data[0].id;
    const domain = `${SERVER_PATH}/sites/${site}/domains/${domainId}`;
    sim.inject({
      path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates",
      method: "POST",
      asyncOutcome: "failed",
    });
    const certificate = await call(sim, "POST", `${domain}/certificates`, { type: "letsencrypt", enable: true });
    const fetched = await call(sim, "GET", `${domain}/certificates/${certificate.json.data.id}`);
    expect(fetched.json.data.attributes).toMatchObject({ status: "failed", active: false });
    expect((await call(sim, "GET", `${domain}/certificates/active`)).status).toBe(404);
  });

  it("forgets armed faults on reset", async () => {
    sim.inject({ path: "/orgs", status: 500, times: Infinity });
    expect((await call(sim, "GET", "/orgs")).status).toBe(500);
    sim.reset();
    expect((await call(sim, "GET", "/orgs")).status).toBe(200);
  });
});
