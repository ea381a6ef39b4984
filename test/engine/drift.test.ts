// Drift and capacity through the operations CLI (cli/operations.ts, as the commands and the GitHub automation call
// it) on a real preview stack: a site deleted by hand on Forge is recreated with everything that hangs off it by the
// next `up`, a no-change `up` still writes nothing, `refresh` is a command of its own, and `maxEnvironments` is
// enforced by `up` itself before anything is created (issue #13).
import { CapacityExceededError } from "../../cli/capacity";
import { type OperationsContext, createOperationsContext, destroyPreview, upPreview } from "../../cli/operations";
import { PulumiCli } from "../../cli/pulumi/runner";
import { type EmbeddedDefault, SANDBOX_APP } from "../../tools/sandbox/embedded-default";
import type { RecordedRequest } from "../../tools/simulator";
import { type CliProject, runBin, startCliProject } from "./cli-project";
import { parseStackExport } from "./engine-json";
import * as previews from "./preview-workspace";
import { createClient } from "redis";
import { createConnection } from "mysql2/promise";

// Every engine command starts the CLI, the language host, ts-node and the provider host from scratch.
jest.setTimeout(600_000);

const SHA = "4141414141414141414141414141414141414141";
const BRANCH = "feature/drift";
const names = previews.sandboxPreviewNames(41);
const refusedNames = previews.sandboxPreviewNames(42);

/** Requests to Forge's API, leaving out the health checks the deployment sends to the site itself. */
const forgeRequests = (requests: readonly RecordedRequest[]): RecordedRequest[] =>
  requests.filter((r) => r.path.startsWith("/orgs/"));
const forgeReads = (requests: readonly RecordedRequest[]): string[] =>
  forgeRequests(requests)
    .filter((r) => r.method === "GET")
    .map((r) => `GET ${r.route ?? r.path}`);

describe("drift and capacity through forge-previews up", () => {
  let cli: CliProject;
  let project: string;
  let embedded: EmbeddedDefault;
  let env: Record<string, string>;
  let ops: OperationsContext;
  let pulumi: PulumiCli;
  /** Every site id pr-41 has had, so objects left on a deleted site are still found. */
  const siteIds = new Set<number>();

  const request = { app: null, pr: 41, branch: BRANCH, sha: SHA };
  const sim = () => embedded.simulator;
  const currentSite = () => {
    const sites = sim()
      .state()
      .sites.filter((site) => site.name === names.domain);
    expect(sites).toHaveLength(1);
    siteIds.add(sites[0]!.id);
    return sites[0]!;
  };
  const stackNames = async (): Promise<string[]> =>
    (JSON.parse((await pulumi.runChecked(["stack", "ls", "--json"], "")).stdout) as Array<{ name: string }>)
      .map((s) => s.name)
      .sort();
  const exportStack = async () =>
    parseStackExport((await pulumi.runChecked(["stack", "export", "--stack", names.stack], "")).stdout);
  const secretOutputs = async (): Promise<Record<string, unknown>> =>
    JSON.parse(
      (await pulumi.runChecked(["stack", "output", "--stack", names.stack, "--json", "--show-secrets"], "")).stdout,
    ) as Record<string, unknown>;
  const redisClaims = async (): Promise<Record<string, string>> => {
    const { host, port, password } = embedded.services.redis;
    const client = createClient({ socket: { host, port }, password });
    await client.connect();
    try {
      return await client.hGetAll(previews.SLOT_CLAIMS_KEY);
    } finally {
      await client.quit();
    }
  };
  const mariaDbSchemas = async (): Promise<string[]> => {
    const { host, port, user, password } = embedded.services.mariadb;
    const connection = await createConnection({ host, port, user, password });
    try {
      const [rows] = await connection.query(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)",
        [names.database, refusedNames.database],
      );
      return (rows as Array<{ name: string }>).map((row) => row.name).sort();
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    // Databases 12-13 are the engine tests' own; one environment at most, so a second PR is past the limit.
    cli = await startCliProject("drift-engine", { config: { redisSlotRange: "12-13", maxEnvironments: "1" } });
    ({ project, embedded, env } = cli);
    ops = await createOperationsContext({ cwd: project, env });
    pulumi = new PulumiCli({ cwd: project, binDir: cli.binDir, env: cli.baseEnv });

    await upPreview(request, ops);
    currentSite();
  });

  afterAll(async () => {
    try {
      // pr-42 exists only if the capacity check let it through; its Redis claim must not outlive this file either.
      for (const pr of [41, 42]) if (ops) await destroyPreview({ app: null, pr }, ops).catch(() => undefined);
    } finally {
      // A test that failed half-way must not leave schemas or users to the test files after it.
      await embedded?.simulator.purge();
      await cli?.dispose();
    }
  });

  it("refuses a new preview past maxEnvironments before creating anything: no stack, no Forge request, no data", async () => {
    const before = sim().requests.length;
    const claimsBefore = await redisClaims();

    const refused = upPreview({ app: null, pr: 42, branch: BRANCH, sha: SHA }, ops);

    await expect(refused).rejects.toBeInstanceOf(CapacityExceededError);
    await expect(refused).rejects.toThrow(
      "All 1 preview environments are in use (`maxEnvironments` is 1), so pr-42 was not created; nothing was changed. Existing previews: pr-41.",
    );
    expect(await stackNames()).toEqual(["pr-41"]);
    expect(forgeRequests(sim().requests.slice(before))).toEqual([]);
    expect(
      sim()
        .state()
        .sites.map((s) => s.name),
    ).not.toContain(refusedNames.domain);
    expect(await redisClaims()).toEqual(claimsBefore);
    expect(await mariaDbSchemas()).toEqual([names.database]);
  });

  it("recreates a site deleted by hand, with its certificate, basic auth, .env, deployment and worker, on the next up of the same commit", async () => {
    const deleted = currentSite();
    const workerBefore = previews.stackObjects(sim().state(), names, siteIds).backgroundProcesses;
    expect(workerBefore).toEqual([expect.objectContaining({ status: "running", siteId: deleted.id })]);
    const token = embedded.stackConfig.forgeToken?.value ?? "";
    const response = await fetch(
      `${sim().url}/orgs/${embedded.stackConfig.forgeOrg?.value}/servers/${deleted.serverId}/sites/${deleted.id}`,
      {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.api+json" },
      },
    );
    expect(response.status).toBe(202);
    const deadline = Date.now() + 10_000;
    while (
      sim()
        .state()
        .sites.some((site) => site.id === deleted.id)
    ) {
      if (Date.now() > deadline) throw new Error(`site ${deleted.id} is still on the simulator 10 s after its delete`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // The same request as the first up: nothing in the configuration changed, only Forge did. pr-41 exists, so the
    // limit of one environment does not refuse it.
    const result = await upPreview(request, ops);

    expect(result.changes.create).toBeGreaterThanOrEqual(5);
    const site = currentSite();
    expect(site.id).not.toBe(deleted.id);
    expect(site).toMatchObject({ status: "installed", repository: { branch: BRANCH } });
    expect(result.outputs.siteId).toBe(site.id);
    const exported = await exportStack();
    expect(previews.stateMismatches(exported, sim().state())).toEqual([]);
    // Every site-bound resource in the state points at the new site, none at the deleted one.
    expect(exported.find((r) => r.type === "pulumi-nodejs:dynamic/forge:Site")?.id).toBe(String(site.id));
    const siteBound = exported.filter(
      (r) => typeof r.outputs.siteId === "number" && /^pulumi-nodejs:dynamic\/forge:(?!Site$)/.test(r.type),
    );
    expect(siteBound.map((r) => r.type.replace("pulumi-nodejs:dynamic/", "")).sort()).toEqual([
      "forge:BasicAuth",
      "forge:Deployment",
      "forge:HealthCheck",
      "forge:LetsEncryptCert",
      "forge:SiteEnvironment",
      "forge:Worker",
    ]);
    for (const resource of siteBound)
      expect({ type: resource.type, siteId: resource.outputs.siteId }).toEqual({
        type: resource.type,
        siteId: site.id,
      });

    const onNewSite = previews.stackObjects(sim().state(), names, new Set([site.id]));
    expect(onNewSite.certificates).toEqual([expect.objectContaining({ status: "installed" })]);
    expect(onNewSite.securityRules).toEqual([expect.objectContaining({ status: "installed" })]);
    expect(onNewSite.deployments).toEqual([expect.objectContaining({ status: "finished", branch: BRANCH })]);
    // The worker is server-level on Forge, so it outlived its site: it was replaced, and only the new one is left.
    expect(previews.stackObjects(sim().state(), names, siteIds).backgroundProcesses).toEqual([
      expect.objectContaining({ status: "running", siteId: site.id }),
    ]);
    expect(onNewSite.backgroundProcesses[0]?.id).not.toBe(workerBefore[0]?.id);

    // The new site's .env carries the preview's own database, user, password and Redis database.
    const outputs = await secretOutputs();
    await previews.expectPreviewEnvFile(site.sandboxPath ?? "", outputs, names);
    // The preview answers behind its basic auth.
    const visit = (auth?: string) =>
      fetch(`http://127.0.0.1:${sim().port}/__sites/${names.domain}/up`, {
        headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
      });
    expect((await visit()).status).toBe(401);
    expect((await visit(`${String(outputs.basicAuthUser)}:${String(outputs.basicAuthPassword)}`)).status).toBe(200);
  });

  it("sends Forge no write on a no-change up, and its refresh costs a fixed number of reads", async () => {
    const before = sim().requests.length;
    const result = await upPreview(request, ops);
    const refreshingUp = sim().requests.slice(before);

    expect(Object.keys(result.changes)).toEqual(["same"]);
    expect(previews.forgeWrites(forgeRequests(refreshingUp))).toEqual([]);

    // The same update without the refresh, straight through the engine, for comparison.
    const plainStart = sim().requests.length;
    const plain = await pulumi.run(["up", "--stack", names.stack, "--yes", "--skip-preview", "--json"]);
    expect(plain.exitCode).toBe(0);
    const plainUp = sim().requests.slice(plainStart);
    expect(previews.forgeWrites(forgeRequests(plainUp))).toEqual([]);

    // Measured: an up without refresh reads nothing from Forge (diff is pure), and the refresh reads each Forge
    // object once: 9 GETs (site, .env, basic-auth rule, certificate, the deployment's site and the deployment, worker,
    // schema and user); at Forge's 60 requests a minute, 9 s of budget at most. The Redis claim and the clone are read
    // over SSH, not from Forge.
    expect(forgeReads(plainUp)).toEqual([]);
    expect(forgeReads(refreshingUp).sort()).toEqual([
      "GET /orgs/{organization}/servers/{server}/background-processes/{backgroundProcess}",
      "GET /orgs/{organization}/servers/{server}/database/schemas/{database}",
      "GET /orgs/{organization}/servers/{server}/database/users/{databaseUser}",
      "GET /orgs/{organization}/servers/{server}/sites/{site}/deployments/{deployment}",
      "GET /orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/{certificate}",
      "GET /orgs/{organization}/servers/{server}/sites/{site}/environment",
      "GET /orgs/{organization}/servers/{server}/sites/{site}/security-rules/{securityRule}",
      "GET /orgs/{organization}/sites/{site}",
      "GET /orgs/{organization}/sites/{site}",
    ]);
  });

  it("refreshes a preview with the refresh command, reading Forge and writing nothing", async () => {
    const before = sim().requests.length;

    const run = await runBin(["refresh", "--app", SANDBOX_APP, "--pr", "41"], project, env);

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^Preview pr-41 refreshed \(\d+ same\)\.$/);
    const requests = forgeRequests(sim().requests.slice(before));
    expect(previews.forgeWrites(requests)).toEqual([]);
    // The same 9 reads as the refresh inside `up`.
    expect(forgeReads(requests)).toHaveLength(9);
  });

  it("destroys the recreated preview leaving nothing on Forge, MariaDB or Redis, the deleted site's objects included", async () => {
    const result = await destroyPreview({ app: null, pr: 41 }, ops);

    expect(result.existed).toBe(true);
    expect(await stackNames()).toEqual([]);
    expect(previews.stackObjects(sim().state(), names, siteIds)).toEqual(previews.NO_FORGE_OBJECTS);
    expect(await mariaDbSchemas()).toEqual([]);
    expect(Object.values(await redisClaims()).filter((claim) => claim.includes(`"stack":"${names.stack}"`))).toEqual(
      [],
    );
  });
});
