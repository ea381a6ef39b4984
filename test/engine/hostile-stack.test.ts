// A preview stack under the real engine against the simulator's hostile profile: every real-Forge quirk at once
// (404s after a site's create, site statuses that follow deployments, tags never listed, empty create answers, the
// isolated user left by a deleted site, jittered latency, occasional 5xx, …), at a fiftieth of Forge's pace. `up`, a
// no-change `up`, `refresh` and `destroy` must all succeed, and after a failed `up`, `destroy` must leave nothing.
import type { PreviewNames } from "../../stacks/naming";
import {
  ENGINE_TEST_SLOTS,
  NO_FORGE_OBJECTS,
  type PreviewEngine,
  forgeWrites,
  managedResources,
  mariaDbHas,
  objectsOfStack,
  opsByType,
  sandboxPreviewNames,
  startPreviewEngine,
  stateMismatches,
} from "./preview-workspace";

jest.setTimeout(300_000);

const SITE_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}";
const TYPE = (kind: string): string => `pulumi-nodejs:dynamic/forge:${kind}`;

let engine: PreviewEngine;

beforeAll(async () => {
  engine = await startPreviewEngine({ simulator: { profile: "hostile", timeScale: 0.02 } });
});

afterAll(async () => {
  await engine?.dispose();
});

const objectsOf = (names: PreviewNames, siteIds: Set<number>) => objectsOfStack(engine, names, siteIds);

describe("a preview stack against the hostile profile", () => {
  const names = sandboxPreviewNames(301);
  const siteIds = new Set<number>();
  let resources = 0;

  beforeAll(async () => {
    await engine.initStack(names.stack, ENGINE_TEST_SLOTS);
  });

  it("creates the whole environment on the first `up`", async () => {
    const report = await engine.workspace.up(names.stack);

    const exported = await engine.workspace.stackExport(names.stack);
    resources = managedResources(exported).length;
    expect(report.changes).toEqual({ create: resources });
    expect(stateMismatches(exported, engine.sim.state())).toEqual([]);
    const objects = objectsOf(names, siteIds);
    // This Forge keeps the tag but never lists it: the stack found its site by name, user and repository.
    expect(objects.sites).toEqual([expect.objectContaining({ status: "installed", tags: [names.ownerTag] })]);
    expect(objects.deployments).toEqual([expect.objectContaining({ status: "finished" })]);
    expect(objects.backgroundProcesses).toEqual([expect.objectContaining({ status: "running" })]);
    expect(objects.certificates).toEqual([expect.objectContaining({ status: "installed" })]);
    expect(await mariaDbHas(engine, names)).toEqual({ schema: true, user: true, grantedOnSchema: true });
    // Every create answered with an empty body; the 5xx quirk answered some calls with errors that were retried.
    expect(engine.sim.requests.filter((r) => r.method === "POST" && r.status < 300).length).toBeGreaterThan(5);
  });

  it("changes nothing and sends Forge no write on a second `up`", async () => {
    const before = engine.sim.requests.length;

    const report = await engine.workspace.up(names.stack);

    expect(report.changes).toEqual({ same: resources });
    expect(forgeWrites(engine.sim.requests.slice(before))).toEqual([]);
  });

  it("refreshes without finding drift, although the site reports its deployment as its status", async () => {
    const report = await engine.workspace.refresh(names.stack);

    expect(
      Object.values(opsByType(report))
        .flat()
        .filter((op) => op !== "same" && op !== "refresh"),
    ).toEqual([]);
    expect(stateMismatches(await engine.workspace.stackExport(names.stack), engine.sim.state())).toEqual([]);
  });

  it("removes every Forge object, the schema, the user and the Redis claim on `destroy`", async () => {
    await engine.workspace.destroy(names.stack);

    expect(await engine.workspace.stackExport(names.stack)).toEqual([]);
    expect(objectsOf(names, siteIds)).toEqual(NO_FORGE_OBJECTS);
    expect(await mariaDbHas(engine, names)).toEqual({ schema: false, user: false, grantedOnSchema: false });
    expect(await engine.redisClaimsOf(names.stack)).toEqual({});
    // The site's isolated user stays behind on this Forge.
    expect(engine.sim.state().leftoverUsers.map((user) => user.name)).toContain(names.linuxUser);
  });
});

describe("a preview stack whose deployment fails under the hostile profile", () => {
  const names = sandboxPreviewNames(302);
  const siteIds = new Set<number>();

  beforeAll(async () => {
    await engine.initStack(names.stack, ENGINE_TEST_SLOTS);
  });

  it("fails `up` on the deployment, with the site left `failed` by it", async () => {
    engine.sim.inject({ method: "POST", path: `${SITE_ROUTE}/deployments`, asyncOutcome: "failed" });

    const failure = await engine.failing("up", names.stack);

    expect(failure.errors).toMatch(/Deployment \d+ of site \d+ ended `failed`/);
    expect(failure.errors).not.toMatch(/failed to install/);
    expect(objectsOf(names, siteIds).deployments).toEqual([expect.objectContaining({ status: "failed" })]);
  });

  it("leaves no site, database, user, rule, certificate or background process after `destroy`", async () => {
    await engine.workspace.destroy(names.stack);

    expect(await engine.workspace.stackExport(names.stack)).toEqual([]);
    expect(objectsOf(names, siteIds)).toEqual(NO_FORGE_OBJECTS);
    expect(await mariaDbHas(engine, names)).toEqual({ schema: false, user: false, grantedOnSchema: false });
  });

  it("creates the preview again after `destroy` although its isolated user was left behind", async () => {
    const report = await engine.workspace.up(names.stack);

    expect(opsByType(report)[TYPE("Site")]).toEqual(["create"]);
    const objects = objectsOf(names, new Set());
    const user = `${names.linuxUser}-2`;
    expect(objects.sites).toEqual([expect.objectContaining({ status: "installed", user })]);
    // Supervisor starts the worker as root, which drops to the site's user.
    expect(objects.backgroundProcesses).toEqual([
      expect.objectContaining({
        status: "running",
        directory: `/home/${user}/${names.domain}`,
        command: expect.stringContaining(`--reuid=${user} --regid=${user}`),
      }),
    ]);
  });
});
