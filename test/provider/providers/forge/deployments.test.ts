import { ForgeValidationError, type ForgeClient } from "../../../../providers/forge";
import { ORG, SERVER_ID, resetHarness, startHarness, type Harness } from "../../../support/forge-simulator";

let h: Harness;
let forge: ForgeClient;
let siteId: number;
let sitePath: string;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});
beforeEach(async () => {
  resetHarness(h);
  forge = h.client();
  siteId = (await forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-31.example.dev", repository: "acme/app", branch: "main" })).id;
  sitePath = `/orgs/${ORG}/servers/1/sites/${siteId}`;
  h.sim.clearRequests();
});

describe("environment", () => {
  it("reads the site's .env as raw text", async () => {
    const content = await forge.environment.get(SERVER_ID, siteId);
    expect(content).toBe(h.sim.state().environments[String(siteId)]);
    expect(content).toContain("APP_NAME");
    expect(h.calls()).toStrictEqual([`GET ${sitePath}/environment`]);
  });

  it("replaces the whole .env and never logs it", async () => {
    const content = "APP_NAME=Preview\nAPP_KEY=base64:c2VjcmV0LWtleS1mb3ItdGVzdHM=\nDB_PASSWORD=\"pw-0d9a7e\"\n";
    await forge.environment.update(SERVER_ID, siteId, { content });
    expect(h.sim.requests[0]).toMatchObject({ method: "PUT", path: `${sitePath}/environment`, status: 202, bodyKeys: ["environment"] });
    expect(h.sim.state().environments[String(siteId)]).toBe(content);
    await expect(forge.environment.get(SERVER_ID, siteId)).resolves.toBe(content);
    expect(h.logs.join("\n")).not.toMatch(/c2VjcmV0|pw-0d9a7e/);
  });

  it("keeps .env values out of a validation error about them", async () => {
    h.sim.inject({
      method: "PUT",
      path: `${sitePath}/environment`,
      status: 422,
      body: { message: "Invalid line DB_PASSWORD=pw-0d9a7e", errors: { environment: ["Line 2 (pw-0d9a7e) is invalid."] } },
    });
    const error = await forge.environment.update(SERVER_ID, siteId, { content: "DB_PASSWORD=pw-0d9a7e\n" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeValidationError);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain("pw-0d9a7e");
  });
});

describe("deployment script", () => {
  it("reads and replaces the script", async () => {
    const original = await forge.deployments.getScript(SERVER_ID, siteId);
    expect(original.content).toBe(h.sim.state().sites[0]!.deploymentScript);
    const script = "cd /home/forge/pr-31.example.dev\ngit pull origin $FORGE_SITE_BRANCH\n$FORGE_PHP artisan migrate --force\n";
    await expect(forge.deployments.updateScript(SERVER_ID, siteId, { content: script, autoSource: false })).resolves.toStrictEqual({
      content: script,
      autoSource: false,
    });
    expect(h.sim.requests.map((r) => [r.method, r.path, r.bodyKeys])).toStrictEqual([
      ["GET", `${sitePath}/deployments/script`, undefined],
      ["PUT", `${sitePath}/deployments/script`, ["content", "auto_source"]],
    ]);
    expect(h.sim.state().sites[0]).toMatchObject({ deploymentScript: script, autoSource: false });
  });
});

describe("deployments", () => {
  it("triggers a deployment, follows it to the end and reads its log", async () => {
    const deployment = await forge.deployments.create(SERVER_ID, siteId);
    expect(deployment).toMatchObject({ status: "queued", commit: { branch: "main" } });
    expect(h.sim.requests[0]).toMatchObject({ method: "POST", path: `${sitePath}/deployments`, status: 202 });
    expect(h.sim.requests[0]!.bodyKeys).toBeUndefined();
    await expect(forge.deployments.get(SERVER_ID, siteId, deployment.id)).resolves.toMatchObject({ id: deployment.id, status: "finished" });
    const log = await forge.deployments.getLog(SERVER_ID, siteId, deployment.id);
    expect(log).toBe(h.sim.state().deployments[0]!.log);
    expect(log.length).toBeGreaterThan(0);
    await expect(forge.deployments.getStatus(SERVER_ID, siteId)).resolves.toMatchObject({ status: null });
    await expect(forge.deployments.list(SERVER_ID, siteId, { sort: "-created_at" }).all()).resolves.toMatchObject([{ id: deployment.id }]);
    expect(h.calls().slice(1)).toStrictEqual([
      `GET ${sitePath}/deployments/${deployment.id}`,
      `GET ${sitePath}/deployments/${deployment.id}/log`,
      `GET ${sitePath}/deployments/status`,
      `GET ${sitePath}/deployments`,
    ]);
    expect(h.sim.requests.at(-1)!.query).toStrictEqual({ sort: "-created_at", "page[size]": "2" });
  });

  it("reports a failed deployment", async () => {
    h.sim.inject({ method: "POST", path: `${sitePath}/deployments`, asyncOutcome: "failed" });
    const deployment = await forge.deployments.create(SERVER_ID, siteId);
    await expect(forge.deployments.get(SERVER_ID, siteId, deployment.id)).resolves.toMatchObject({ status: "failed" });
    await expect(forge.deployments.getLog(SERVER_ID, siteId, deployment.id)).resolves.toContain("failed");
  });

  it("turns push-to-deploy on and off", async () => {
    await forge.deployments.enablePushToDeploy(SERVER_ID, siteId);
    expect(h.sim.state().sites[0]!.pushToDeploy).toBe(true);
    await forge.deployments.disablePushToDeploy(SERVER_ID, siteId);
    expect(h.sim.state().sites[0]!.pushToDeploy).toBe(false);
    expect(h.sim.requests.map((r) => [r.method, r.path, r.status])).toStrictEqual([
      ["POST", `${sitePath}/deployments/push-to-deploy`, 202],
      ["DELETE", `${sitePath}/deployments/push-to-deploy`, 202],
    ]);
  });
});
