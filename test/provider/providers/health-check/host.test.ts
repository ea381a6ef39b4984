import type { ForgeClient } from "../../../../providers/forge";
import type { Simulator } from "../../../../tools/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { hostCallFailure as failureOf } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost, useGroupHost } from "../../../support/provider-host";
import { ORG } from "../../../support/simulator";
import { IN_PLACE, NO_CHANGES } from "../../../support/diff-outcomes";

const SERVER_ID = 1;
/** Secret inputs: they must show up in no output, no error and no host log line. */
const PASSWORD = "health-pw-SECRET-71c2";
const DB_PASSWORD = "db-pw-SECRET-93ab";
const PROCESSES_ROUTE = "/orgs/{organization}/servers/{server}/background-processes";

type Props = Record<string, unknown>;

let fixture: ForgeProviderHost;
let sim: Simulator;
let forge: ForgeClient;
let registration: CapturedRegistration;
let urn: string;
let siteCounter = 300;

interface Preview {
  siteId: number;
  domain: string;
  deploymentId: number;
}

/** A deployed preview site behind a basic-auth rule, as the deployment and BasicAuth leave it. */
async function deployedSite(): Promise<Preview> {
  siteCounter += 1;
  const domain = `pr-${siteCounter}.example.dev`;
  const site = await forge.sites.create(SERVER_ID, { type: "laravel", name: domain, zeroDowntimeDeployments: false });
  await forge.securityRules.create(SERVER_ID, site.id, {
    name: "Preview",
    credentials: [{ username: "preview", password: PASSWORD }],
  });
  const deployment = await forge.deployments.create(SERVER_ID, site.id);
  return { siteId: site.id, domain, deploymentId: deployment.id };
}

async function workerOf(preview: Preview): Promise<{ processId: number; name: string }> {
  const name = `pr-${siteCounter}-worker`;
  const process = await forge.backgroundProcesses.create(SERVER_ID, {
    name,
    command: `php artisan queue:work --name=${name}`,
    user: "root",
    processes: 1,
    siteId: preview.siteId,
  });
  return { processId: process.id, name };
}

function inputsFor(preview: Preview, overrides: Props = {}): Props {
  return {
    serverId: SERVER_ID,
    siteId: preview.siteId,
    url: `http://127.0.0.1:${sim.port}/__sites/${preview.domain}/up`,
    resolve: null,
    auth: { username: "preview", password: PASSWORD },
    deploymentId: preview.deploymentId,
    workers: [],
    redactions: [DB_PASSWORD],
    __provider: registration.providerText,
    ...overrides,
  };
}

function writes(): string[] {
  return sim.requests
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path}`);
}

beforeAll(async () => {
  fixture = await startForgeProviderHost({
    register: async () => {
      const { HealthCheck } = await import("../../../../providers/health-check");
      return new HealthCheck("web", {
        serverId: SERVER_ID,
        siteId: 1,
        url: "https://pr-1.example.dev/up",
        resolve: null,
        auth: null,
        deploymentId: 1,
        workers: [],
        redactions: [],
      });
    },
    startHost: false,
  });
  ({ sim, registration, urn } = fixture);
  forge = fixture.client();
});

afterAll(() => fixture?.close());

describe("HealthCheck through the real dynamic-provider host", () => {
  const host = useGroupHost(() => fixture);

  it("gets 200 through basic auth and records it without the password; the same inputs then change nothing", async () => {
    const preview = await deployedSite();
    sim.clearRequests();

    const { id, outs } = await host.create(urn, (await host.check(urn, {}, inputsFor(preview))).inputs);

    expect(id).toBe(String(preview.siteId));
    expect(outs).toMatchObject({ status: 200, deploymentId: preview.deploymentId, healthyAt: expect.any(String) });
    expect(outs).not.toHaveProperty("auth");
    expect(outs).not.toHaveProperty("redactions");
    expect(writes()).toStrictEqual([]);
    await expect(host.diff(urn, id, outs, inputsFor(preview))).resolves.toStrictEqual(NO_CHANGES);
    expect(JSON.stringify(outs)).not.toContain("SECRET");
  });

  it("checks again after a new deployment, and after a check that did not get 200", async () => {
    const preview = await deployedSite();
    const { outs } = await host.create(urn, inputsFor(preview));

    const redeployed = await forge.deployments.create(SERVER_ID, preview.siteId);

    await expect(
      host.diff(urn, String(preview.siteId), outs, inputsFor(preview, { deploymentId: redeployed.id })),
    ).resolves.toStrictEqual(IN_PLACE);
    await expect(
      host.diff(urn, String(preview.siteId), { ...outs, status: 503 }, inputsFor(preview)),
    ).resolves.toStrictEqual(IN_PLACE);
  });

  it("fails with 401 without credentials, keeping the status so the next up checks again with them", async () => {
    const preview = await deployedSite();

    const error = await failureOf(host.create(urn, inputsFor(preview, { auth: null })));
    const state = error.initFailure?.properties ?? {};

    expect(error.details).toContain("answered 401; the site asks for basic-auth credentials, so pass `healthAuth`");
    expect(state).toMatchObject({ status: 401, healthyAt: null });
    expect((await host.diff(urn, String(preview.siteId), state, inputsFor(preview))).changes).toBe("some");
    const { outs } = await host.update(urn, String(preview.siteId), state, inputsFor(preview));
    expect(outs).toMatchObject({ status: 200 });
  });

  it("never shows the password in an error or a host log line", async () => {
    const preview = await deployedSite();

    const error = await failureOf(
      host.create(urn, inputsFor(preview, { auth: { username: "preview", password: `${PASSWORD}-wrong` } })),
    );

    expect(error.details).toContain("the site refused `healthAuth`");
    expect(error.details).not.toContain(PASSWORD);
    expect(host.logs()).not.toContain(PASSWORD);
  });

  it("starts a worker Supervisor gave up on before the code was deployed, then checks the app", async () => {
    const preview = await deployedSite();
    sim.inject({ method: "POST", path: PROCESSES_ROUTE, asyncOutcome: "failed" });
    const worker = await workerOf(preview);
    expect((await forge.backgroundProcesses.get(SERVER_ID, worker.processId)).status).toBe("fatal");
    sim.clearRequests();

    const { outs } = await host.create(urn, inputsFor(preview, { workers: [worker] }));

    expect(writes()).toStrictEqual([
      `POST /orgs/${ORG}/servers/${SERVER_ID}/background-processes/${worker.processId}/actions`,
    ]);
    expect(sim.requests.find((request) => request.method === "POST")?.bodyKeys).toStrictEqual(["action"]);
    expect((await forge.backgroundProcesses.get(SERVER_ID, worker.processId)).status).toBe("running");
    expect(outs).toMatchObject({ status: 200, workers: [worker] });
  });

  it("asks again when Forge answers the restart with a 500, as a restart repeated does no harm", async () => {
    const preview = await deployedSite();
    sim.inject({ method: "POST", path: PROCESSES_ROUTE, asyncOutcome: "failed" });
    const worker = await workerOf(preview);
    sim.inject({ method: "POST", path: `${PROCESSES_ROUTE}/{backgroundProcess}/actions`, status: 500 });
    sim.clearRequests();

    const { outs } = await host.create(urn, inputsFor(preview, { workers: [worker] }));

    const restart = `POST /orgs/${ORG}/servers/${SERVER_ID}/background-processes/${worker.processId}/actions`;
    expect(writes()).toStrictEqual([restart, restart]);
    expect((await forge.backgroundProcesses.get(SERVER_ID, worker.processId)).status).toBe("running");
    expect(outs).toMatchObject({ status: 200, workers: [worker] });
  });

  it("leaves a running worker alone", async () => {
    const preview = await deployedSite();
    const worker = await workerOf(preview);
    sim.clearRequests();

    await host.create(urn, inputsFor(preview, { workers: [worker] }));

    expect(writes()).toStrictEqual([]);
  });

  it("names the field and the fix for bad inputs, before any request", async () => {
    sim.clearRequests();

    const checked = await host.check(
      urn,
      {},
      { ...inputsFor({ siteId: 1, domain: "x", deploymentId: 1 }), url: "ftp://x/up", resolve: "forge.example.com" },
    );

    expect(checked.failures).toStrictEqual([
      { property: "url", reason: "`url` must be an http(s) URL such as `https://pr-7.example.dev/up`" },
      {
        property: "resolve",
        reason: "`resolve` must be null (ask DNS) or the IP address to connect to for the URL's host",
      },
    ]);
    expect(sim.requests).toStrictEqual([]);
  });
});
