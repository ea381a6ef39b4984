import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, TOKEN, call, createSite, startTestSimulator } from "../../../support/simulator";

/** A GET against the simulated site's own web server, with optional basic-auth credentials. */
async function visit(
  sim: Simulator,
  domain: string,
  path: string,
  credentials?: { username: string; password: string },
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const headers: Record<string, string> = {};
  if (credentials !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  }
  const response = await fetch(`http://127.0.0.1:${sim.port}/__sites/${domain}${path}`, { headers });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

async function deploy(sim: Simulator, siteId: string): Promise<string> {
  const response = await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/deployments`);
  if (response.status !== 202) throw new Error(`deployment failed to start: ${response.status} ${response.text}`);
  return response.json.data.id as string;
}

describe("the simulated sites' web server (/__sites, a stand-in outside Forge's API)", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startTestSimulator({ profile: "instant", rateLimitPerMinute: 3 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it("answers 404 for a domain no site has", async () => {
    const answer = await visit(sim, "nobody.example.dev", "/up");

    expect(answer.status).toBe(404);
    expect(answer.headers.get("x-forge-simulator")).toContain("not a Forge API route");
  });

  it("answers 503 on the health path until the site has been deployed, then 200 {status: up}", async () => {
    const siteId = await createSite(sim, "pr-70.example.dev");

    expect((await visit(sim, "pr-70.example.dev", "/up")).status).toBe(503);
    await deploy(sim, siteId);
    const answer = await visit(sim, "pr-70.example.dev", "/up");

    expect(answer.status).toBe(200);
    expect(answer.json).toStrictEqual({ status: "up" });
    expect((await visit(sim, "pr-70.example.dev", "/not-a-route")).status).toBe(404);
  });

  it("answers 503 while the latest deployment is still deploying", async () => {
    const realistic = await startTestSimulator({ profile: "realistic", timeScale: 1 });
    try {
      const siteId = await createSite(realistic, "pr-71.example.dev");
      await deploy(realistic, siteId);

      expect((await visit(realistic, "pr-71.example.dev", "/up")).status).toBe(503);
      expect(realistic.state().deployments[0]?.status).toMatch(/^(queued|deploying)$/);
    } finally {
      await realistic.close();
    }
  });

  it("answers 503 when the latest deployment failed", async () => {
    const siteId = await createSite(sim, "pr-72.example.dev");
    await deploy(sim, siteId);
    sim.inject({
      method: "POST",
      path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments",
      asyncOutcome: "failed",
    });
    await deploy(sim, siteId);

    expect(sim.state().deployments.map((deployment) => deployment.status)).toStrictEqual(["finished", "failed"]);
    expect((await visit(sim, "pr-72.example.dev", "/up")).status).toBe(503);
  });

  it("serves the path of the site's configured healthcheck endpoint instead of /up", async () => {
    const siteId = await createSite(sim, "pr-73.example.dev");
    await call(sim, "PUT", `${SERVER_PATH}/sites/${siteId}/healthcheck`, {
      healthcheck_endpoint: "https://pr-73.example.dev/health/ping",
    });
    await deploy(sim, siteId);

    expect((await visit(sim, "pr-73.example.dev", "/health/ping")).status).toBe(200);
    expect((await visit(sim, "pr-73.example.dev", "/up")).status).toBe(404);
  });

  it("asks for basic auth under an installed security rule and accepts only a stored username/password pair", async () => {
    const siteId = await createSite(sim, "pr-74.example.dev");
    await deploy(sim, siteId);
    const rule = await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/security-rules`, {
      name: "Preview",
      credentials: [{ username: "preview", password: "hunter2-pw" }],
    });
    expect(rule.status).toBe(202);

    const anonymous = await visit(sim, "pr-74.example.dev", "/up");
    const wrong = await visit(sim, "pr-74.example.dev", "/up", { username: "preview", password: "nope" });
    const right = await visit(sim, "pr-74.example.dev", "/up", { username: "preview", password: "hunter2-pw" });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="Preview"');
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
  });

  it("asks for credentials before saying the site is not deployed, as nginx would", async () => {
    const siteId = await createSite(sim, "pr-75.example.dev");
    await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/security-rules`, {
      name: "Preview",
      credentials: [{ username: "preview", password: "hunter2-pw" }],
    });

    expect((await visit(sim, "pr-75.example.dev", "/up")).status).toBe(401);
    expect((await visit(sim, "pr-75.example.dev", "/up", { username: "preview", password: "hunter2-pw" })).status).toBe(
      503,
    );
  });

  it("protects only the rule's path when the rule has one", async () => {
    const siteId = await createSite(sim, "pr-76.example.dev");
    await deploy(sim, siteId);
    await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/security-rules`, {
      name: "Admin",
      path: "/admin",
      credentials: [{ username: "admin", password: "admin-pw-1" }],
    });

    expect((await visit(sim, "pr-76.example.dev", "/up")).status).toBe(200);
    expect((await visit(sim, "pr-76.example.dev", "/admin/users")).status).toBe(401);
    expect((await visit(sim, "pr-76.example.dev", "/administrator")).status).toBe(404);
  });

  it("needs no token, is not rate-limited and stays out of the Forge request log", async () => {
    const siteId = await createSite(sim, "pr-78.example.dev");
    await deploy(sim, siteId);
    sim.clearRequests();

    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await visit(sim, "pr-78.example.dev", "/up")).status);

    expect(statuses).toStrictEqual([200, 200, 200, 200, 200]);
    expect(sim.requests).toStrictEqual([]);
    // The API itself still enforces the token: the stand-in is a separate door, not a bypass.
    expect((await call(sim, "GET", "/orgs/acme/servers", undefined, null)).status).toBe(401);
    expect((await call(sim, "GET", "/orgs/acme/servers", undefined, TOKEN)).status).toBe(200);
  });

  it("refuses anything but GET and HEAD", async () => {
    const response = await fetch(`http://127.0.0.1:${sim.port}/__sites/pr-1.example.dev/up`, { method: "POST" });

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});
