import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  HealthCheckError,
  defaultHealthUrl,
  probeHealth,
  waitForHealthy,
} from "../../../../providers/health-check/probe";
import type { Simulator } from "../../../../tools/simulator";
import { closedPort } from "../../../support/net";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

const FAST = { timeoutMs: 300, intervalMs: 20, maxIntervalMs: 40 };
const CREDENTIALS = { username: "preview", password: "health-pw-5f2c" };

describe("the deployment health check", () => {
  let sim: Simulator;
  let siteId: string;
  const url = (path = "/up"): string => `http://127.0.0.1:${sim.port}/__sites/pr-90.example.dev${path}`;

  beforeAll(async () => {
    sim = await startTestSimulator({ profile: "instant", rateLimitPerMinute: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    siteId = await createSite(sim, "pr-90.example.dev");
  });

  const deploy = async (): Promise<void> => {
    expect((await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/deployments`)).status).toBe(202);
  };
  const protect = async (): Promise<void> => {
    const rule = await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/security-rules`, {
      name: "Preview",
      credentials: [CREDENTIALS],
    });
    expect(rule.status).toBe(202);
  };

  it("resolves with 200 once the deployed site answers", async () => {
    await deploy();

    await expect(waitForHealthy(url(), null, FAST)).resolves.toBe(200);
  });

  it("keeps polling through 503 until the deployment finishes", async () => {
    const pending = waitForHealthy(url(), null, { ...FAST, timeoutMs: 5_000 });
    setTimeout(() => void deploy(), 100);

    await expect(pending).resolves.toBe(200);
  });

  it("gives up at the deadline with the last status it saw", async () => {
    const error = await waitForHealthy(url(), null, FAST, "https://pr-90.example.dev/up").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckError);
    expect((error as HealthCheckError).lastStatus).toBe(503);
    expect((error as Error).message).toMatch(
      /^Health check of https:\/\/pr-90\.example\.dev\/up did not answer 200 within 0 s \(last answer: 503\)\. /,
    );
  });

  it("fails at once with 401 when the site asks for credentials and none were given", async () => {
    await deploy();
    await protect();
    const started = Date.now();

    const error = await waitForHealthy(url(), null, { ...FAST, timeoutMs: 10_000 }).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(HealthCheckError);
    expect((error as HealthCheckError).lastStatus).toBe(401);
    expect((error as Error).message).toContain(
      "answered 401; the site asks for basic-auth credentials, so pass `healthAuth`",
    );
  });

  it("answers 200 with the right credentials and refuses wrong ones without echoing them", async () => {
    await deploy();
    await protect();

    await expect(waitForHealthy(url(), CREDENTIALS, FAST)).resolves.toBe(200);
    const error = await waitForHealthy(url(), { username: "preview", password: "wrong-pw-77" }, FAST).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain("the site refused `healthAuth`");
    expect((error as Error).message).not.toContain("wrong-pw-77");
  });

  it("connects to the resolve address for the URL's host, as curl --resolve does", async () => {
    await deploy();
    const unresolvable = `http://pr-90.example.invalid:${sim.port}/__sites/pr-90.example.dev/up`;

    await expect(probeHealth(unresolvable, null)).resolves.toMatchObject({ status: null });
    await expect(probeHealth(unresolvable, null, 5_000, "127.0.0.1")).resolves.toStrictEqual({ status: 200 });
  });

  it("reports a refused connection by its code", async () => {
    const port = await closedPort();

    await expect(probeHealth(`http://127.0.0.1:${port}/up`, null)).resolves.toStrictEqual({
      status: null,
      reason: "ECONNREFUSED",
    });
  });

  it("reports a server that never answers as no answer in time", async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(probeHealth(`http://127.0.0.1:${port}/up`, null, 100)).resolves.toStrictEqual({
        status: null,
        reason: "no answer in time",
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("builds Laravel's /up URL for a domain", () => {
    expect(defaultHealthUrl("pr-7.example.dev")).toBe("https://pr-7.example.dev/up");
    expect(defaultHealthUrl("pr-7.example.dev", false)).toBe("http://pr-7.example.dev/up");
  });
});
