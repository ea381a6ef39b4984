// Every Forge create a preview makes, with its answer lost after Forge carried it out (a client timeout, a dropped
// connection, a 5xx after the fact): the provider finds the object by its owner mark and keeps its id, so nothing is
// left on Forge that the stack does not know about.
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { CREATE_ATTEMPTS } from "../../../providers/forge";
import { type LostAnswer, type Simulator, startSimulator } from "../../../tools/simulator";
import { describeRegistration } from "../../support/capture-provider";
import { type DynamicHost, hostCallFailure, startDynamicHost, urnFor } from "../../support/dynamic-host";
import { installMocks } from "../../support/mock-program";
import { FORGE_WORKER_INPUTS } from "../../support/samples";
import { forgetIssuances } from "../../support/issuances";
import { connectOverTcp, serverSideConfig, testServices } from "../../support/services";
import { ORG, SERVER_PATH, TOKEN, call, createSite } from "../../support/simulator";

const SERVER = "/orgs/{organization}/servers/{server}";
const SITE = `${SERVER}/sites/{site}`;
const ROUTES = {
  site: `${SERVER}/sites`,
  database: `${SERVER}/database/schemas`,
  user: `${SERVER}/database/users`,
  rule: `${SITE}/security-rules`,
  certificate: `${SITE}/domains/{domainRecord}/certificates`,
  process: `${SERVER}/background-processes`,
};
/** Short, so a held answer times the client out in a test's time; the code path is the one a 30 s timeout takes. */
const CLIENT_TIMEOUT_MS = 1500;
const OWNER_TAG = "forge-previews-shop-pr-41";
const DOMAIN = "pr-41.lost.test";
const OTHER_DOMAIN = "pr-42.lost.test";
const USER = "shop-pr42";
const WORKER = "forge-previews-pr-42-worker";

type Props = Record<string, unknown>;
type Kind = keyof typeof ROUTES;

describe("a Forge create whose answer is lost, through the dynamic-provider host", () => {
  const mariadb = testServices().mariadb;
  // A per-run app name keeps the schema and user apart from other suites sharing the MariaDB server.
  const app = `lc${randomBytes(3).toString("hex")}`;
  let sim: Simulator;
  let host: DynamicHost;
  let siteId: number;
  const resources = new Map<Kind | "databaseWithUser", { urn: string; inputs: Props }>();

  const posts = (route: string) =>
    sim.requests.filter((request) => request.method === "POST" && request.route === route);

  async function createThrough(kind: Kind | "databaseWithUser"): Promise<{ id: string; outs: Props }> {
    const resource = resources.get(kind);
    if (resource === undefined) throw new Error(`no ${kind} registered`);
    const checked = await host.check(resource.urn, {}, resource.inputs);
    expect(checked.failures).toStrictEqual([]);
    return host.create(resource.urn, checked.inputs);
  }

  function loseNextAnswer(kind: Kind, lostAnswer: LostAnswer): void {
    sim.inject({ method: "POST", path: ROUTES[kind], lostAnswer });
  }

  beforeAll(async () => {
    sim = await startSimulator({
      token: TOKEN,
      org: ORG,
      profile: "instant",
      rateLimitPerMinute: 0,
      log: () => undefined,
      mariadb: { host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password },
    });
    siteId = Number(await createSite(sim, OTHER_DOMAIN, { is_isolated: true, isolated_user: USER }));
    // Let the instant profile finish the install, so the site has its primary domain record.
    await new Promise((resolve) => setTimeout(resolve, 5));

    const program = await installMocks();
    const { ForgeSite } = await import("../../../providers/forge-site");
    const { ForgeDatabase } = await import("../../../providers/forge-database");
    const { BasicAuth } = await import("../../../providers/basic-auth");
    const { LetsEncryptCert } = await import("../../../providers/lets-encrypt-cert");
    const { ForgeWorker } = await import("../../../providers/forge-worker");
    const built: Array<[Kind | "databaseWithUser", pulumi.CustomResource]> = [
      [
        "site",
        new ForgeSite("site", {
          serverId: 1,
          domain: DOMAIN,
          isolatedUser: "shop-pr41",
          phpVersion: "php84",
          webDirectory: "/public",
          repository: "acme/shop",
          branch: "feature/lost",
          pushToDeploy: true,
          ownerTag: OWNER_TAG,
        }),
      ],
      [
        "database",
        new ForgeDatabase("database", {
          serverId: 1,
          name: `${app}_pr_41`,
          userName: `${app}_pr41`,
          protectedDatabases: [],
        }),
      ],
      [
        "databaseWithUser",
        new ForgeDatabase("database-with-user", {
          serverId: 1,
          name: `${app}_pr_42`,
          userName: `${app}_pr42`,
          protectedDatabases: [],
        }),
      ],
      [
        "rule",
        new BasicAuth("basic-auth", {
          serverId: 1,
          siteId,
          name: "forge-previews",
          username: "preview",
          password: null,
        }),
      ],
      [
        "certificate",
        new LetsEncryptCert("certificate", {
          serverId: 1,
          siteId,
          domain: OTHER_DOMAIN,
          mode: "letsencrypt",
          cloneCertificateId: null,
        }),
      ],
      [
        "process",
        new ForgeWorker("worker", {
          ...FORGE_WORKER_INPUTS,
          siteId,
          name: WORKER,
          isolatedUser: USER,
          directory: `/home/${USER}/${OTHER_DOMAIN}`,
        }),
      ],
    ];
    for (const [kind, resource] of built) {
      const name = await new Promise<string>((resolve) =>
        resource.urn.apply((urn) => resolve(urn.split("::").pop() ?? "")),
      );
      const registration = describeRegistration(program.registration(name));
      resources.set(kind, { urn: urnFor(registration.type, registration.name), inputs: registration.inputs });
    }
    host = await startDynamicHost({
      config: {
        "forge-previews:forgeApiUrl": sim.url,
        "forge-previews:forgeOrg": ORG,
        "forge-previews:forgeToken": TOKEN,
        // LetsEncryptCert counts issuances in the server's Redis.
        ...serverSideConfig(testServices(), { redis: true }),
      },
      env: { FORGE_PREVIEWS_POLL_MS: "10", FORGE_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS) },
    });
  });

  beforeEach(() => sim.clearRequests());

  afterAll(async () => {
    await forgetIssuances(OTHER_DOMAIN);
    await host?.close();
    await sim?.purge();
    await sim?.close();
  });

  it("keeps the site Forge created while the client timed out, found by its owner tag", async () => {
    loseNextAnswer("site", "timeout");

    const { id, outs } = await createThrough("site");

    const sites = sim.state().sites.filter((site) => site.name === DOMAIN);
    expect(sites.map((site) => site.id)).toStrictEqual([Number(id)]);
    expect(outs.siteId).toBe(Number(id));
    expect(posts(ROUTES.site).map((request) => request.lostAnswer)).toStrictEqual(["timeout"]);
  });

  it("keeps the schema Forge created when the connection dropped, found by its preview name", async () => {
    loseNextAnswer("database", "reset");

    const { id, outs } = await createThrough("database");

    const schemas = sim.state().databases.filter((database) => database.name === `${app}_pr_41`);
    expect(schemas.map((schema) => schema.id)).toStrictEqual([Number(id)]);
    expect(outs.databaseId).toBe(Number(id));
    expect(outs.userId).toBe(sim.state().databaseUsers.find((user) => user.name === `${app}_pr41`)?.id);
  });

  it("keeps the database user Forge created before answering 500, and it logs in with the password in the outputs", async () => {
    loseNextAnswer("user", "server-error");

    const { outs } = await createThrough("databaseWithUser");

    const users = sim.state().databaseUsers.filter((user) => user.name === `${app}_pr42`);
    expect(users.map((user) => user.id)).toStrictEqual([outs.userId]);
    expect(posts(ROUTES.user).filter((request) => request.lostAnswer !== undefined)).toHaveLength(1);
    const connection = await connectOverTcp({
      user: `${app}_pr42`,
      password: outs.password as string,
      database: `${app}_pr_42`,
    });
    await connection.end();
  });

  it("keeps the security rule Forge created while the client timed out, found by its name on the site", async () => {
    loseNextAnswer("rule", "timeout");

    const { id, outs } = await createThrough("rule");

    const rules = sim.state().securityRules.filter((rule) => rule.siteId === siteId && rule.name === "forge-previews");
    expect(rules.map((rule) => rule.id)).toStrictEqual([Number(id)]);
    expect(outs.ruleId).toBe(Number(id));
  });

  it("keeps the certificate Forge requested when the connection dropped, found on the site's domain record", async () => {
    loseNextAnswer("certificate", "reset");

    const { id, outs } = await createThrough("certificate");

    const certificates = sim
      .state()
      .certificates.filter((certificate) => certificate.siteId === siteId && certificate.status !== "removing");
    expect(certificates.map((certificate) => certificate.id)).toStrictEqual([Number(id)]);
    expect(outs).toMatchObject({ certificateId: Number(id), active: true });
  });

  it("keeps the worker's background process Forge created before answering 502, found by its name on the site", async () => {
    sim.inject({ method: "POST", path: ROUTES.process, lostAnswer: "server-error", status: 502 });

    const { id, outs } = await createThrough("process");

    const processes = sim.state().backgroundProcesses.filter((process) => process.status !== "removing");
    expect(processes.map((process) => process.id)).toStrictEqual([Number(id)]);
    expect(outs.processId).toBe(Number(id));
    expect(posts(ROUTES.process)).toHaveLength(1);
  });

  it("fails naming the lost answer when the look-up finds nothing, and creates nothing on its own", async () => {
    // Refused before the handler: Forge made nothing, though the client cannot tell from the 500 alone.
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${sim.state().sites.find((site) => site.name === DOMAIN)?.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    sim.clearRequests();
    // Every try of the create is refused the same way, so the resource gives up.
    sim.inject({ method: "POST", path: ROUTES.site, status: 500, times: CREATE_ATTEMPTS });

    const failure = await hostCallFailure(createThrough("site"));

    expect(failure.details).toMatch(
      /failed with 500.*No site `pr-41\.lost\.test` on server 1 carrying the tag `forge-previews-shop-pr-41` or its name, user and repository exists afterwards, so Forge did not create it/s,
    );
    expect(failure.initFailure).toBeUndefined();
    expect(posts(ROUTES.site)).toHaveLength(CREATE_ATTEMPTS);
    expect(sim.state().sites.filter((site) => site.name === DOMAIN)).toStrictEqual([]);
  });
});
