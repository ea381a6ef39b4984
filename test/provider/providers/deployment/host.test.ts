import { buildDeploymentScript, sha256Hex } from "../../../../providers/deployment/script";
import type { ForgeClient } from "../../../../providers/forge";
import type { Simulator } from "../../../../tools/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { UNKNOWN, hostCallFailure as failureOf } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost, useGroupHost } from "../../../support/provider-host";
import { ORG } from "../../../support/simulator";
import { IN_PLACE, NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";
import { DEPLOYMENT_INPUTS } from "../../../support/samples";

const SERVER_ID = 1;
const SHA_1 = "1111111111111111111111111111111111111111";
const SHA_2 = "2222222222222222222222222222222222222222";
/** Secret inputs: they must show up in no output, no error and no host log line. */
const DB_PASSWORD = "db-pw-SECRET-93ab";
const APP_KEY = "base64:QXBwS2V5U2VjcmV0Rm9yVGhlVGVzdHM9PQ==";
const DEPLOYMENTS_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}/deployments";

type Props = Record<string, unknown>;

let fixture: ForgeProviderHost;
let sim: Simulator;
let forge: ForgeClient;
let registration: CapturedRegistration;
let urn: string;
let siteCounter = 100;

/** A fresh preview site with zero-downtime deployments off, as ForgeSite creates them. */
async function createPreviewSite(
  extra: { zeroDowntimeDeployments?: boolean } = {},
): Promise<{ siteId: number; domain: string }> {
  siteCounter += 1;
  const domain = `pr-${siteCounter}.example.dev`;
  const site = await forge.sites.create(SERVER_ID, {
    type: "laravel",
    name: domain,
    repository: "acme/app",
    branch: "main",
    zeroDowntimeDeployments: extra.zeroDowntimeDeployments ?? false,
  });
  return { siteId: site.id, domain };
}

function inputsFor(site: { siteId: number; domain: string }, overrides: Props = {}): Props {
  return {
    serverId: SERVER_ID,
    siteId: site.siteId,
    siteDirectory: `/home/forge/${site.domain}`,
    branch: "feature/login",
    commitSha: SHA_1,
    redeployToken: "",
    phpVersion: "php84",
    extraScriptLines: ["npm ci"],
    redactions: [DB_PASSWORD, APP_KEY],
    __provider: registration.providerText,
    ...overrides,
  };
}

/** `METHOD route` of each Forge API request since the last `clearRequests()`. */
function calls(): string[] {
  return sim.requests.map((request) => `${request.method} ${request.path}`);
}
function writes(): string[] {
  return sim.requests
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path}`);
}
function deploymentsOf(siteId: number): Array<{ id: number; status: string }> {
  return sim
    .state()
    .deployments.filter((deployment) => deployment.siteId === siteId)
    .map(({ id, status }) => ({ id, status }));
}
function scriptOf(siteId: number): string {
  const site = sim.state().sites.find((item) => item.id === siteId);
  if (site === undefined) throw new Error(`site ${siteId} is not in the simulator`);
  return site.deploymentScript;
}

beforeAll(async () => {
  // Each describe block gets its own host: the host's Forge client keeps Forge's 60 requests a minute per process.
  fixture = await startForgeProviderHost({
    register: async () => {
      const { Deployment } = await import("../../../../providers/deployment");
      return new Deployment("web", { ...DEPLOYMENT_INPUTS, serverId: SERVER_ID, siteId: 1 });
    },
    startHost: false,
  });
  ({ sim, registration, urn } = fixture);
  forge = fixture.client();
});

afterAll(() => fixture?.close());

describe("Deployment lifecycle through the real dynamic-provider host", () => {
  const host = useGroupHost(() => fixture);
  let site: { siteId: number; domain: string };
  let id: string;
  let outs: Props;

  beforeAll(async () => {
    site = await createPreviewSite();
    sim.clearRequests();
  });

  it("checks and diffs unknown preview inputs without a single Forge request", async () => {
    const news = inputsFor(site, { commitSha: UNKNOWN, siteId: UNKNOWN });

    await expectPreviewWithoutForge(
      fixture,
      String(site.siteId),
      { ...inputsFor(site), status: "finished" },
      news,
      { diff: replacing(["siteId"], "create-first") },
      host,
    );
  });

  it("creates: sets the script, deploys once and waits for `finished`", async () => {
    const checked = await host.check(urn, {}, inputsFor(site));
    ({ id, outs } = await host.create(urn, checked.inputs));

    const script = buildDeploymentScript({
      siteDirectory: `/home/forge/${site.domain}`,
      branch: "feature/login",
      commitSha: SHA_1,
      phpVersion: "php84",
      extraScriptLines: ["npm ci"],
    });
    const sitePath = `/orgs/${ORG}/servers/${SERVER_ID}/sites/${site.siteId}`;
    const [deployment] = deploymentsOf(site.siteId);
    expect(id).toBe(String(site.siteId));
    expect(scriptOf(site.siteId)).toBe(script);
    expect(deploymentsOf(site.siteId)).toStrictEqual([{ id: deployment.id, status: "finished" }]);
    expect(calls()).toStrictEqual([
      `GET /orgs/${ORG}/sites/${site.siteId}`,
      `GET ${sitePath}/deployments/script`,
      `PUT ${sitePath}/deployments/script`,
      // The newest deployment before this one: what tells this deployment apart if Forge's answer is lost or empty.
      `GET ${sitePath}/deployments`,
      `POST ${sitePath}/deployments`,
      `GET ${sitePath}/deployments/${deployment.id}`,
    ]);
    // The secret inputs are not echoed into the outputs.
    const { redactions: _redactions, ...echoed } = inputsFor(site);
    expect(outs).toStrictEqual({
      ...echoed,
      deploymentId: deployment.id,
      status: "finished",
      deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      scriptSha256: sha256Hex(script),
    });
  });

  it("reports no change for the same inputs, making no Forge request", async () => {
    sim.clearRequests();

    await expect(host.diff(urn, id, outs, inputsFor(site))).resolves.toStrictEqual(NO_CHANGES);
    expect(sim.requests).toStrictEqual([]);
  });

  it("deploys exactly once more, at the new commit, when the commit SHA changes", async () => {
    const news = inputsFor(site, { commitSha: SHA_2 });
    expect((await host.diff(urn, id, outs, news)).changes).toBe("some");
    sim.clearRequests();

    ({ outs } = await host.update(urn, id, outs, news));

    expect(writes()).toStrictEqual([
      `PUT /orgs/${ORG}/servers/${SERVER_ID}/sites/${site.siteId}/deployments/script`,
      `POST /orgs/${ORG}/servers/${SERVER_ID}/sites/${site.siteId}/deployments`,
    ]);
    expect(scriptOf(site.siteId)).toContain(`\ngit reset --hard '${SHA_2}'\n`);
    expect(deploymentsOf(site.siteId)).toHaveLength(2);
    expect(outs).toMatchObject({
      commitSha: SHA_2,
      status: "finished",
      deploymentId: deploymentsOf(site.siteId)[1].id,
    });
  });

  it("redeploys without rewriting the script when only the redeploy token changes", async () => {
    sim.clearRequests();

    ({ outs } = await host.update(urn, id, outs, inputsFor(site, { commitSha: SHA_2, redeployToken: "again-1" })));

    expect(writes()).toStrictEqual([`POST /orgs/${ORG}/servers/${SERVER_ID}/sites/${site.siteId}/deployments`]);
    expect(deploymentsOf(site.siteId)).toHaveLength(3);
    expect(outs).toMatchObject({ redeployToken: "again-1", status: "finished" });
  });

  it("asks for a replacement when the site changes", async () => {
    await expect(host.diff(urn, id, outs, inputsFor({ ...site, siteId: site.siteId + 5000 }))).resolves.toStrictEqual(
      replacing(["siteId"], "create-first"),
    );
  });

  it("reads the latest deployment's status back while the site exists", async () => {
    const read = await host.read(urn, id, { ...outs, status: "deploying" });

    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ status: "finished", deploymentId: outs.deploymentId });
  });

  it("deletes without touching Forge: a deployment is history", async () => {
    sim.clearRequests();

    await host.delete(urn, id, outs);

    expect(sim.requests).toStrictEqual([]);
    expect(deploymentsOf(site.siteId)).toHaveLength(3);
  });

  it("drops out of state on refresh once the site is deleted out of band, and deleting it again is a no-op", async () => {
    await forge.sites.delete(SERVER_ID, site.siteId);

    const read = await host.read(urn, id, outs);
    sim.clearRequests();
    await host.delete(urn, id, outs);

    expect(read.id).toBe("");
    expect(sim.requests).toStrictEqual([]);
  });

  it("kept every secret out of outputs and host logs", () => {
    expect(JSON.stringify(outs)).not.toMatch(/SECRET|QXBwS2V5/);
    expect(host.logs()).not.toMatch(/SECRET|QXBwS2V5/);
  });
});

describe("Deployment failures through the real dynamic-provider host", () => {
  const host = useGroupHost(() => fixture);

  it("fails a script bash -n rejects with the log tail, secrets redacted, and keeps the id for a retry", async () => {
    const site = await createPreviewSite();
    const broken = inputsFor(site, { extraScriptLines: [`if [ "${DB_PASSWORD}" = x ]; then echo ${APP_KEY} )`] });

    const error = await failureOf(host.create(urn, broken));

    expect(error.details).toMatch(
      /^Deployment \d+ of site \d+ ended `failed`\. The end of its log \(secrets redacted\):\n/,
    );
    expect(error.details).toContain("syntax error near unexpected token `)'");
    expect(error.details).toContain("[REDACTED]");
    expect(error.details).not.toContain(DB_PASSWORD);
    expect(error.details).not.toContain("QXBwS2V5");
    expect(host.logs()).not.toContain(DB_PASSWORD);
    const [deployment] = deploymentsOf(site.siteId);
    expect(error.initFailure).toStrictEqual({
      id: String(site.siteId),
      properties: expect.objectContaining({
        deploymentId: deployment.id,
        status: "failed",
        __provider: registration.providerText,
      }),
      reasons: [error.details],
    });
  });

  it("keeps a failed deployment's id and deploys again on the next update with unchanged inputs", async () => {
    const site = await createPreviewSite();
    const inputs = inputsFor(site);
    sim.inject({ method: "POST", path: DEPLOYMENTS_ROUTE, asyncOutcome: "failed" });

    const error = await failureOf(host.create(urn, inputs));
    const state = error.initFailure?.properties ?? {};
    const [failed] = deploymentsOf(site.siteId);

    expect(failed.status).toBe("failed");
    expect(state).toMatchObject({ deploymentId: failed.id, status: "failed" });
    expect(error.details).toContain("fault injected by the simulator");

    expect(await host.diff(urn, String(site.siteId), state, inputs)).toStrictEqual(IN_PLACE);
    sim.clearRequests();
    const { outs } = await host.update(urn, String(site.siteId), state, inputs);

    expect(writes()).toStrictEqual([`POST /orgs/${ORG}/servers/${SERVER_ID}/sites/${site.siteId}/deployments`]);
    expect(deploymentsOf(site.siteId).map((deployment) => deployment.status)).toStrictEqual(["failed", "finished"]);
    expect(outs).toMatchObject({ status: "finished", deploymentId: deploymentsOf(site.siteId)[1].id });
  });

  it("refuses a site directory that belongs to another site, before writing anything", async () => {
    const site = await createPreviewSite();
    sim.clearRequests();

    const error = await failureOf(
      host.create(urn, inputsFor(site, { siteDirectory: "/home/forge/production.example.com" })),
    );

    expect(error.details).toBe(
      `\`siteDirectory\` is /home/forge/production.example.com, but site ${site.siteId} (${site.domain}) lives in ` +
        `/home/forge/${site.domain}; pass the site's own directory.`,
    );
    expect(error.initFailure).toBeUndefined();
    expect(writes()).toStrictEqual([]);
  });

  it("refuses a zero-downtime site, whose layout the script does not handle", async () => {
    const site = await createPreviewSite({ zeroDowntimeDeployments: true });
    sim.clearRequests();

    const error = await failureOf(host.create(urn, inputsFor(site)));

    expect(error.details).toContain("uses zero-downtime deployments");
    expect(writes()).toStrictEqual([]);
  });

  it("names the missing site when it does not exist", async () => {
    const error = await failureOf(host.create(urn, inputsFor({ siteId: 999_999, domain: "gone.example.dev" })));

    expect(error.details).toBe("Site 999999 does not exist on Forge; create the site before deploying to it.");
  });
});
