import { ForgeValidationError } from "../../../../providers/forge";
import { SERVER_ID, useHarnessWithSite } from "../../../support/forge-simulator";

const t = useHarnessWithSite({ type: "laravel", name: "pr-31.example.dev", repository: "acme/app", branch: "main" });

describe("environment", () => {
  it("reads the site's .env as raw text", async () => {
    const content = await t.forge.environment.get(SERVER_ID, t.siteId);
    expect(content).toBe(t.h.sim.state().environments[String(t.siteId)]);
    expect(content).toContain("APP_NAME");
    expect(t.h.calls()).toStrictEqual([`GET ${t.sitePath}/environment`]);
  });

  it("replaces the whole .env and never logs it", async () => {
    const content = 'APP_NAME=Preview\nAPP_KEY=base64:c2VjcmV0LWtleS1mb3ItdGVzdHM=\nDB_PASSWORD="pw-0d9a7e"\n';
    await t.forge.environment.update(SERVER_ID, t.siteId, { content });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "PUT",
      path: `${t.sitePath}/environment`,
      status: 202,
      bodyKeys: ["environment"],
    });
    expect(t.h.sim.state().environments[String(t.siteId)]).toBe(content);
    await expect(t.forge.environment.get(SERVER_ID, t.siteId)).resolves.toBe(content);
    expect(t.h.logs.join("\n")).not.toMatch(/c2VjcmV0|pw-0d9a7e/);
  });

  it("keeps .env values out of a validation error about them", async () => {
    t.h.sim.inject({
      method: "PUT",
      path: `${t.sitePath}/environment`,
      status: 422,
      body: {
        message: "Invalid line DB_PASSWORD=pw-0d9a7e",
        errors: { environment: ["Line 2 (pw-0d9a7e) is invalid."] },
      },
    });
    const error = await t.forge.environment
      .update(SERVER_ID, t.siteId, { content: "DB_PASSWORD=pw-0d9a7e\n" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeValidationError);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain("pw-0d9a7e");
  });
});

describe("deployment script", () => {
  it("reads and replaces the script", async () => {
    const original = await t.forge.deployments.getScript(SERVER_ID, t.siteId);
    expect(original.content).toBe(t.h.sim.state().sites[0]!.deploymentScript);
    const script =
      "cd /home/forge/pr-31.example.dev\ngit pull origin $FORGE_SITE_BRANCH\n$FORGE_PHP artisan migrate --force\n";
    await expect(
      t.forge.deployments.updateScript(SERVER_ID, t.siteId, { content: script, autoSource: false }),
    ).resolves.toStrictEqual({
      content: script,
      autoSource: false,
    });
    expect(t.h.sim.requests.map((r) => [r.method, r.path, r.bodyKeys])).toStrictEqual([
      ["GET", `${t.sitePath}/deployments/script`, undefined],
      ["PUT", `${t.sitePath}/deployments/script`, ["content", "auto_source"]],
    ]);
    expect(t.h.sim.state().sites[0]).toMatchObject({ deploymentScript: script, autoSource: false });
  });
});

describe("deployments", () => {
  it("triggers a deployment, follows it to the end and reads its log", async () => {
    const deployment = await t.forge.deployments.create(SERVER_ID, t.siteId);
    expect(deployment).toMatchObject({ status: "queued", commit: { branch: "main" } });
    expect(t.h.sim.requests[0]).toMatchObject({ method: "POST", path: `${t.sitePath}/deployments`, status: 202 });
    expect(t.h.sim.requests[0]!.bodyKeys).toBeUndefined();
    await expect(t.forge.deployments.get(SERVER_ID, t.siteId, deployment.id)).resolves.toMatchObject({
      id: deployment.id,
      status: "finished",
    });
    const log = await t.forge.deployments.getLog(SERVER_ID, t.siteId, deployment.id);
    expect(log).toBe(t.h.sim.state().deployments[0]!.log);
    expect(log.length).toBeGreaterThan(0);
    await expect(t.forge.deployments.getStatus(SERVER_ID, t.siteId)).resolves.toMatchObject({ status: null });
    await expect(t.forge.deployments.list(SERVER_ID, t.siteId, { sort: "-created_at" }).all()).resolves.toMatchObject([
      { id: deployment.id },
    ]);
    expect(t.h.calls().slice(1)).toStrictEqual([
      `GET ${t.sitePath}/deployments/${deployment.id}`,
      `GET ${t.sitePath}/deployments/${deployment.id}/log`,
      `GET ${t.sitePath}/deployments/status`,
      `GET ${t.sitePath}/deployments`,
    ]);
    expect(t.h.sim.requests.at(-1)!.query).toStrictEqual({ sort: "-created_at", "page[size]": "2" });
  });

  it("reports a failed deployment", async () => {
    t.h.sim.inject({ method: "POST", path: `${t.sitePath}/deployments`, asyncOutcome: "failed" });
    const deployment = await t.forge.deployments.create(SERVER_ID, t.siteId);
    await expect(t.forge.deployments.get(SERVER_ID, t.siteId, deployment.id)).resolves.toMatchObject({
      status: "failed",
    });
    await expect(t.forge.deployments.getLog(SERVER_ID, t.siteId, deployment.id)).resolves.toContain("failed");
  });

  it("turns push-to-deploy on and off", async () => {
    await t.forge.deployments.enablePushToDeploy(SERVER_ID, t.siteId);
    expect(t.h.sim.state().sites[0]!.pushToDeploy).toBe(true);
    await t.forge.deployments.disablePushToDeploy(SERVER_ID, t.siteId);
    expect(t.h.sim.state().sites[0]!.pushToDeploy).toBe(false);
    expect(t.h.sim.requests.map((r) => [r.method, r.path, r.status])).toStrictEqual([
      ["POST", `${t.sitePath}/deployments/push-to-deploy`, 202],
      ["DELETE", `${t.sitePath}/deployments/push-to-deploy`, 202],
    ]);
  });
});
