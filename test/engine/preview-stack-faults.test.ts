// Faults during a preview stack's first `up`, under the real engine against the Forge simulator: a certificate that
// ends `failed`, a deployment that fails, and bursts of 429s. Each must leave the state agreeing with Forge (a failed
// object stays in the state with its id), the next `up` must finish the environment once the fault is gone, and
// `destroy` must still remove everything.
import { DEFAULT_RETRY_OPTIONS } from "../../providers/forge";
import type { PreviewNames } from "../../stacks/naming";
import type { StateResource } from "./engine-json";
import * as previews from "./preview-workspace";

/** A request is given up after its first try and every one of its own 429 retries is refused. */
const REFUSALS_TO_GIVE_UP = DEFAULT_RETRY_OPTIONS.rateLimitRetries + 1;

jest.setTimeout(240_000);

const SITE_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}";
const WORKERS_ROUTE = "/orgs/{organization}/servers/{server}/background-processes";
const TYPE = (kind: string): string => `pulumi-nodejs:dynamic/forge:${kind}`;

const engine = previews.usePreviewEngine();

/** A pr-`pr` stack for the enclosing block, created before its tests, and the set of the site ids it will have had. */
function usePreviewStack(pr: number): { names: PreviewNames; siteIds: Set<number> } {
  const names = previews.sandboxPreviewNames(pr);
  beforeAll(() => engine.initStack(names.stack, previews.ENGINE_TEST_SLOTS));
  return { names, siteIds: new Set<number>() };
}

/** The stack's objects on Forge, with the site ids it has had collected along the way. */
function objectsOf(names: PreviewNames, siteIds: Set<number>): ReturnType<typeof previews.stackObjects> {
  for (const site of engine.sim.state().sites.filter((s) => s.name === names.domain)) siteIds.add(site.id);
  return previews.stackObjects(engine.sim.state(), names, siteIds);
}

/** `destroy`, then nothing of the stack is left on Forge, in MariaDB or in Redis, and the state is empty. */
async function expectDestroyRemovesEverything(names: PreviewNames, siteIds: Set<number>): Promise<void> {
  objectsOf(names, siteIds);
  await engine.workspace.destroy(names.stack);

  expect(await engine.workspace.stackExport(names.stack)).toEqual([]);
  await previews.expectNothingLeft(engine, names, siteIds);
  await engine.workspace.stackRemove(names.stack);
}

/** Nothing of the run's output may carry the Forge token or the SSH key. */
function expectNoCredentials(output: string): void {
  for (const key of ["forgeToken", "sshPrivateKey", "redisPassword"] as const) {
    const secret = engine.embedded.stackConfig[key]?.value ?? "";
    expect(secret).not.toBe("");
    expect(output.includes(secret)).toBe(false);
  }
}

describe("a Let's Encrypt certificate that ends `failed`", () => {
  const { names, siteIds } = usePreviewStack(201);
  let failedCertificateId: number;

  it("fails `up` naming the certificate, and keeps it in the state with its id while basic auth and the health check, which need it, are not created", async () => {
    engine.sim.inject({
      method: "POST",
      path: `${SITE_ROUTE}/domains/{domainRecord}/certificates`,
      asyncOutcome: "failed",
    });

    const failure = await engine.failing("up", names.stack);

    expect(failure.errors).toMatch(/Certificate \d+ for `pr-201\.sandbox\.test` ended with status `failed`/);
    expectNoCredentials(failure.run.stdout + failure.run.stderr);
    const exported = await engine.workspace.stackExport(names.stack);
    const certificate = previews.resourceOf(exported, "LetsEncryptCert");
    failedCertificateId = Number(certificate.id);
    expect(objectsOf(names, siteIds).certificates).toEqual([
      expect.objectContaining({ id: failedCertificateId, status: "failed" }),
    ]);
    expect(certificate.outputs.status).toBe("failed");
    expect(previews.stateMismatches(exported, engine.sim.state())).toEqual([]);
    // Basic auth waits for the certificate (Let's Encrypt's http-01 check), and the health check for both; the
    // deployment and the worker do not, so they may have run beside it.
    expect(exported.map((r) => r.type)).not.toContain(TYPE("BasicAuth"));
    expect(exported.map((r) => r.type)).not.toContain(TYPE("HealthCheck"));
    expect(objectsOf(names, siteIds).securityRules).toEqual([]);
  });

  it("replaces the failed certificate and finishes the environment on the next `up`", async () => {
    const report = await engine.workspace.up(names.stack);

    const ops = previews.opsByType(report);
    expect(ops[TYPE("LetsEncryptCert")]).toContain("replace");
    expect(ops[TYPE("BasicAuth")]).toEqual(["create"]);
    expect(ops[TYPE("HealthCheck")]).toEqual(["create"]);
    const objects = objectsOf(names, siteIds);
    expect(objects.certificates).toEqual([
      expect.objectContaining({ status: "installed", values: expect.objectContaining({ active: true }) }),
    ]);
    expect(objects.certificates[0]?.id).not.toBe(failedCertificateId);
    expect(objects.deployments).toEqual([expect.objectContaining({ status: "finished" })]);
    expect(objects.backgroundProcesses).toEqual([expect.objectContaining({ status: "running" })]);
    expect(previews.stateMismatches(await engine.workspace.stackExport(names.stack), engine.sim.state())).toEqual([]);
  });

  it("removes everything on `destroy`", async () => {
    await expectDestroyRemovesEverything(names, siteIds);
  });
});

describe("a deployment that fails", () => {
  const { names, siteIds } = usePreviewStack(202);
  let failedDeploymentId: number;

  it("fails `up` with the end of the deployment log, and keeps the deployment in the state with its id", async () => {
    engine.sim.inject({ method: "POST", path: `${SITE_ROUTE}/deployments`, asyncOutcome: "failed" });

    const failure = await engine.failing("up", names.stack);

    expect(failure.errors).toMatch(/Deployment \d+ of site \d+ ended `failed`/);
    expect(failure.errors).toContain(
      "Deployment failed: the script exited with status 1 (fault injected by the simulator).",
    );
    expectNoCredentials(failure.run.stdout + failure.run.stderr);
    const exported = await engine.workspace.stackExport(names.stack);
    const deployment = previews.resourceOf(exported, "Deployment");
    expect(deployment.outputs.status).toBe("failed");
    failedDeploymentId = Number(deployment.outputs.deploymentId);
    expect(objectsOf(names, siteIds).deployments).toEqual([
      expect.objectContaining({ id: failedDeploymentId, status: "failed" }),
    ]);
    expect(previews.stateMismatches(exported, engine.sim.state())).toEqual([]);
    // The health check follows the deployment; the worker runs beside it.
    expect(exported.map((r) => r.type)).not.toContain(TYPE("HealthCheck"));
  });

  it("deploys again and checks the app on the next `up`, though no input changed", async () => {
    const report = await engine.workspace.up(names.stack);

    const ops = previews.opsByType(report);
    expect(ops[TYPE("Deployment")]).toEqual(["update"]);
    expect(ops[TYPE("HealthCheck")]).toEqual(["create"]);
    const exported = await engine.workspace.stackExport(names.stack);
    const objects = objectsOf(names, siteIds);
    expect(objects.deployments.map((d) => d.status)).toEqual(["failed", "finished"]);
    expect(previews.resourceOf(exported, "Deployment").outputs).toMatchObject({
      status: "finished",
      deploymentId: objects.deployments[1]?.id,
    });
    expect(objects.backgroundProcesses).toEqual([expect.objectContaining({ status: "running" })]);
    expect(previews.stateMismatches(exported, engine.sim.state())).toEqual([]);
  });

  it("removes everything on `destroy`", async () => {
    await expectDestroyRemovesEverything(names, siteIds);
  });
});

describe("bursts of 429 Too Many Requests", () => {
  const { names, siteIds } = usePreviewStack(203);

  it("rides out a short burst, and fails `up` cleanly when every attempt of the worker's create is refused", async () => {
    const before = engine.sim.requests.length;
    engine.sim.inject({ path: /./, status: 429, times: 3 });
    // As many 429s as the client makes attempts, so the create gives up; the fault is used up by then.
    engine.sim.inject({ method: "POST", path: WORKERS_ROUTE, status: 429, times: REFUSALS_TO_GIVE_UP });

    const failure = await engine.failing("up", names.stack);

    expect(failure.errors).toContain("`POST /orgs/sandbox/servers/1/background-processes` failed with 429");
    const requests = engine.sim.requests.slice(before);
    expect(requests.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 429]);
    expect(requests.filter((r) => r.route === WORKERS_ROUTE && r.method === "POST").map((r) => r.status)).toEqual(
      Array<number>(REFUSALS_TO_GIVE_UP).fill(429),
    );
    // Retried requests created nothing twice, and the refused worker exists nowhere. What runs beside the worker
    // (basic auth after the certificate, the deployment after the data) may not have started when the engine stopped.
    const objects = objectsOf(names, siteIds);
    for (const kind of ["sites", "databases", "databaseUsers", "certificates"] as const) {
      expect({ kind, count: objects[kind].length }).toEqual({ kind, count: 1 });
    }
    for (const kind of ["securityRules", "deployments"] as const) {
      expect(objects[kind].length).toBeLessThanOrEqual(1);
    }
    expect(objects.backgroundProcesses).toEqual([]);
    const exported: StateResource[] = await engine.workspace.stackExport(names.stack);
    expect(exported.map((r) => r.type)).not.toContain(TYPE("Worker"));
    expect(exported.map((r) => r.type)).not.toContain(TYPE("HealthCheck"));
    expect(previews.stateMismatches(exported, engine.sim.state())).toEqual([]);
  });

  it("creates only what the first `up` did not reach, the worker and the health check among them, on the next `up`", async () => {
    const report = await engine.workspace.up(names.stack);

    const changed = report.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type}`);
    expect(changed).toEqual(expect.arrayContaining([`create ${TYPE("Worker")}`, `create ${TYPE("HealthCheck")}`]));
    expect(changed.filter((step) => !step.startsWith("create "))).toEqual([]);
    expect(changed.filter((step) => /forge:(Site|Database|DbSnapshotClone|LetsEncryptCert)$/.test(step))).toEqual([]);
    expect(objectsOf(names, siteIds).backgroundProcesses).toEqual([expect.objectContaining({ status: "running" })]);
    expect(previews.stateMismatches(await engine.workspace.stackExport(names.stack), engine.sim.state())).toEqual([]);
  });

  it("removes everything on `destroy`", async () => {
    await expectDestroyRemovesEverything(names, siteIds);
  });
});
