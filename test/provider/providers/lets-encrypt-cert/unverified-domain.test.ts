import type { Simulator } from "../../../../tools/simulator";
import { hostCallFailure } from "../../../support/dynamic-host";
import type { ForgeProviderHost } from "../../../support/provider-host";
import { SERVER_PATH, call, createSite } from "../../../support/simulator";
import { installedSite, startLetsEncryptFixture } from "./letsencrypt-fixture";

const DOMAIN = "pr-7.preview.test";
const SITES_ROUTE = "/orgs/{organization}/servers/{server}/sites";

/**
 * Forge may verify a custom domain's DNS only after the site installed, and refuse a certificate before (unknowns #17):
 * the simulator keeps the primary domain `pending` for as long again as the install took.
 */
describe("LetsEncryptCert on a custom domain that Forge has not verified yet", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  const sites: Record<string, number> = {};

  const installed = (siteId: number) => installedSite(fixture, siteId);
  const primaryDomain = async (siteId: number) =>
    (await call(sim, "GET", `${SERVER_PATH}/sites/${siteId}/domains?filter[type]=primary`)).json.data[0].attributes;

  beforeAll(async () => {
    fixture = await startLetsEncryptFixture(DOMAIN, {
      profile: "realistic",
      timeScale: 0.05,
      quirks: { customDomainPending: true },
    });
    sim = fixture.sim;
  });

  afterAll(() => fixture?.close());

  it("waits for the domain record to be enabled, then requests one certificate that serves", async () => {
    sites[DOMAIN] = Number(await createSite(sim, DOMAIN));
    await installed(sites[DOMAIN]);
    expect((await primaryDomain(sites[DOMAIN])).status).toBe("pending");
    sim.clearRequests();

    const { id, outs } = await fixture.host.create(fixture.urn, { ...fixture.inputs, siteId: sites[DOMAIN] });

    const posts = sim.requests.filter((request) => request.method === "POST");
    expect(posts.map((request) => request.status)).toStrictEqual([202]);
    expect(outs).toMatchObject({ certificateId: Number(id), active: true, status: "installed" });
    expect(sim.state().certificates).toMatchObject([{ id: Number(id), status: "installed" }]);
  });

  it("refuses at once, naming the domain and what to check in DNS, when Forge disabled the domain", async () => {
    const broken = "pr-8.preview.test";
    sim.inject({ method: "POST", path: SITES_ROUTE, asyncOutcome: "failed" });
    sites[broken] = Number(await createSite(sim, broken));
    await installed(sites[broken]);
    expect((await primaryDomain(sites[broken])).status).toBe("disabled");
    sim.clearRequests();

    // A host of its own: the first test's polls may have spent this process's 60 Forge requests a minute.
    const host = await fixture.startHost();
    const error = await hostCallFailure(
      host.create(fixture.urn, { ...fixture.inputs, siteId: sites[broken], domain: broken }),
    );

    expect(error.details).toContain(`Domain \`${broken}\` of site ${sites[broken]} is \`disabled\``);
    expect(error.details).toContain("points at server 1's IP address");
    expect(sim.requests.filter((request) => request.method === "POST")).toStrictEqual([]);
  });
});
