// The life of one preview stack (`pr-123` of the demo app) under the real engine, against the Forge simulator with
// MariaDB, Redis and sshd behind it: create, an idempotent re-run, a branch change, recovery from an out-of-band
// deletion, and destroy. Every step is checked on what Forge, MariaDB, Redis and the site's files show, not only on
// what the engine reports.
import { readFile } from "node:fs/promises";
import * as path from "node:path";

import { SANDBOX_APP } from "../../tools/sandbox/embedded-default";
import { parseDotenv } from "../../providers/common/dotenv";
import { MANAGED_ENV_KEYS } from "../../stacks/config-rules";
import type { StateResource } from "./engine-json";
import {
  ENGINE_TEST_SLOTS,
  type PreviewEngine,
  forgeWrites,
  managedResources,
  mariaDbHas,
  opsByType,
  resourceOf,
  stackObjects,
  startPreviewEngine,
  stateMismatches,
  waitUntilSiteGone,
  expectNothingLeft,
  expectPreviewEnvFile,
  sandboxPreviewNames,
} from "./preview-workspace";

// Each engine command starts the CLI, the language host and the provider host; a whole `up` takes tens of seconds.
jest.setTimeout(240_000);

const STACK = "pr-123";
const names = sandboxPreviewNames(123);
const SITE_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}";

describe("a pr-* stack of the real project under the real engine", () => {
  let engine: PreviewEngine;
  /** Every site id the stack has had, so objects left on a deleted site are still found. */
  const siteIds = new Set<number>();
  let exported: StateResource[] = [];

  const currentSite = () => {
    const sites = engine.sim.state().sites.filter((site) => site.name === names.domain);
    expect(sites).toHaveLength(1);
    const site = sites[0]!;
    siteIds.add(site.id);
    return site;
  };
  const showSecrets = async (): Promise<Record<string, unknown>> =>
    JSON.parse(
      (await engine.workspace.run(["stack", "output", "--stack", STACK, "--json", "--show-secrets"])).stdout,
    ) as Record<string, unknown>;
  const visitSite = (auth?: { username: string; password: string }): Promise<Response> =>
    fetch(`http://127.0.0.1:${engine.sim.port}/__sites/${names.domain}/up`, {
      headers: auth
        ? { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` }
        : {},
    });

  beforeAll(async () => {
    engine = await startPreviewEngine();
    await engine.initStack(STACK, ENGINE_TEST_SLOTS);
  });

  afterAll(async () => {
    await engine?.dispose();
  });

  it("plans every resource of a new environment on `pulumi preview`, writing nothing to Forge", async () => {
    engine.sim.clearRequests();

    const report = await engine.workspace.preview(STACK);

    expect(report.changes).toEqual({ create: expect.any(Number) });
    expect(report.changes.create).toBeGreaterThanOrEqual(12);
    expect(forgeWrites(engine.sim.requests)).toEqual([]);
    expect(engine.sim.state().sites.filter((site) => site.name === names.domain)).toEqual([]);
  });

  it("creates the site, database and user, basic-auth rule, certificate, a finished deployment and the worker on the first `up`", async () => {
    const report = await engine.workspace.up(STACK);

    exported = await engine.workspace.stackExport(STACK);
    const managed = managedResources(exported);
    expect(report.changes).toEqual({ create: managed.length });
    for (const resource of managed.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))) {
      expect({ type: resource.type, id: resource.id }).toEqual({
        type: resource.type,
        id: expect.stringMatching(/.+/),
      });
    }

    expect(stateMismatches(exported, engine.sim.state())).toEqual([]);
    const site = currentSite();
    expect(site).toMatchObject({ status: "installed", repository: { branch: "main" }, tags: [names.ownerTag] });
    expect(String(site.id)).toBe(resourceOf(exported, "Site").id);
    const objects = stackObjects(engine.sim.state(), names, siteIds);
    expect(objects.databases).toEqual([
      expect.objectContaining({ status: "installed", id: Number(resourceOf(exported, "Database").id) }),
    ]);
    expect(objects.databaseUsers).toEqual([
      expect.objectContaining({ status: "installed", databaseIds: [objects.databases[0]?.id] }),
    ]);
    expect(objects.securityRules).toEqual([
      expect.objectContaining({ status: "installed", id: Number(resourceOf(exported, "BasicAuth").id) }),
    ]);
    expect(objects.certificates).toEqual([
      expect.objectContaining({
        status: "installed",
        values: expect.objectContaining({ active: true }),
        id: Number(resourceOf(exported, "LetsEncryptCert").id),
      }),
    ]);
    expect(objects.deployments).toEqual([
      expect.objectContaining({
        status: "finished",
        branch: "main",
        id: resourceOf(exported, "Deployment").outputs.deploymentId,
      }),
    ]);
    expect(objects.backgroundProcesses).toEqual([
      expect.objectContaining({ status: "running", siteId: site.id, id: Number(resourceOf(exported, "Worker").id) }),
    ]);

    expect(await mariaDbHas(engine, names)).toEqual({ schema: true, user: true, grantedOnSchema: true });

    const outputs = await showSecrets();
    await expectPreviewEnvFile(site.sandboxPath ?? "", outputs, names);

    expect(await engine.redisClaimsOf(STACK)).toEqual({
      [String(outputs.redisDb)]: expect.objectContaining({ stack: STACK, app: SANDBOX_APP, pr: 123 }),
    });

    // The deployed site answers its health path, behind the generated basic-auth credentials.
    expect((await visitSite()).status).toBe(401);
    const authorized = await visitSite({
      username: String(outputs.basicAuthUser),
      password: String(outputs.basicAuthPassword),
    });
    expect(authorized.status).toBe(200);
  });

  it("reports no changes and sends Forge no write on a second `up` with the same config", async () => {
    const before = engine.sim.requests.length;

    const report = await engine.workspace.up(STACK);

    expect(report.changes).toEqual({ same: managedResources(exported).length });
    expect(forgeWrites(engine.sim.requests.slice(before))).toEqual([]);
  });

  it("updates the site and deploys the new branch in place when `branch` changes, replacing nothing", async () => {
    const siteBefore = currentSite();
    await engine.workspace.configSet(STACK, "branch", "feature/login");
    const before = engine.sim.requests.length;

    const report = await engine.workspace.up(STACK);

    const ops = opsByType(report);
    expect(ops["pulumi-nodejs:dynamic/forge:Site"]).toEqual(["update"]);
    expect(ops["pulumi-nodejs:dynamic/forge:Deployment"]).toEqual(["update"]);
    // A new deployment is checked again.
    expect(ops["pulumi-nodejs:dynamic/forge:HealthCheck"]).toEqual(["update"]);
    const others = report.steps.filter((s) => !/forge:(Site|Deployment|HealthCheck)$/.test(s.type)).map((s) => s.op);
    expect(new Set(others)).toEqual(new Set(["same"]));
    const writeRoutes = engine.sim.requests
      .slice(before)
      .filter((r) => r.method !== "GET")
      .map((r) => `${r.method} ${r.route}`);
    expect([...new Set(writeRoutes)].sort()).toEqual([
      `POST ${SITE_ROUTE}/deployments`,
      `PUT ${SITE_ROUTE}`,
      `PUT ${SITE_ROUTE}/deployments/script`,
    ]);

    const site = currentSite();
    expect(site.id).toBe(siteBefore.id);
    expect(site.repository?.branch).toBe("feature/login");
    const deployments = stackObjects(engine.sim.state(), names, siteIds).deployments;
    expect(deployments.at(-1)).toMatchObject({ status: "finished", branch: "feature/login" });
    const after = await engine.workspace.stackExport(STACK);
    const idsByUrn = (resources: StateResource[]): Record<string, string | undefined> =>
      Object.fromEntries(resources.map((r) => [r.urn, r.id]));
    expect(idsByUrn(after)).toEqual(idsByUrn(exported));
    exported = after;
  });

  it("recreates the site on `up` after it was deleted out of band and `refresh` dropped it from the state", async () => {
    const deleted = currentSite();
    const sitePath = `/orgs/${engine.embedded.stackConfig.forgeOrg?.value}/servers/${deleted.serverId}/sites/${deleted.id}`;
    expect((await engine.forgeApi("DELETE", sitePath)).status).toBe(202);
    await waitUntilSiteGone(engine, deleted.id);

    const refreshed = await engine.workspace.refresh(STACK);

    expect(opsByType(refreshed)["pulumi-nodejs:dynamic/forge:Site"]).toEqual(["delete"]);
    expect((await engine.workspace.stackExport(STACK)).map((r) => r.type)).not.toContain(
      "pulumi-nodejs:dynamic/forge:Site",
    );

    const report = await engine.workspace.up(STACK);

    expect(opsByType(report)["pulumi-nodejs:dynamic/forge:Site"]).toEqual(["create"]);
    const site = currentSite();
    expect(site.id).not.toBe(deleted.id);
    expect(site).toMatchObject({ status: "installed", repository: { branch: "feature/login" } });
    exported = await engine.workspace.stackExport(STACK);
    expect(resourceOf(exported, "Site").id).toBe(String(site.id));
    expect(stateMismatches(exported, engine.sim.state())).toEqual([]);
    const objects = stackObjects(engine.sim.state(), names, new Set([site.id]));
    expect(objects.certificates).toEqual([expect.objectContaining({ status: "installed" })]);
    expect(objects.securityRules).toEqual([expect.objectContaining({ status: "installed" })]);
    expect(objects.deployments).toEqual([expect.objectContaining({ status: "finished", branch: "feature/login" })]);
    // The worker outlived its site on Forge; it now runs for the new one, and only one is left.
    expect(stackObjects(engine.sim.state(), names, siteIds).backgroundProcesses).toEqual([
      expect.objectContaining({ status: "running", siteId: site.id }),
    ]);
    const env = parseDotenv(await readFile(path.join(site.sandboxPath ?? "", ".env"), "utf8"));
    expect([...env.keys()]).toEqual(expect.arrayContaining([...MANAGED_ENV_KEYS]));
  });

  it("removes every Forge object, the MariaDB schema and user and the Redis claim on `destroy`", async () => {
    const report = await engine.workspace.destroy(STACK);

    expect(report.changes).toEqual({ delete: managedResources(exported).length });
    expect(await engine.workspace.stackExport(STACK)).toEqual([]);
    await expectNothingLeft(engine, names, siteIds);
  });

  it("no longer lists the stack in `stack ls` after `stack rm`", async () => {
    expect((await engine.workspace.stackList()).map((s) => s.name)).toContain(STACK);

    await engine.workspace.stackRemove(STACK);

    expect((await engine.workspace.stackList()).map((s) => s.name)).not.toContain(STACK);
  });
});
