import { ORG } from "../../../support/simulator";
import { type SiteHost, SITES, answered, startSiteHost } from "./site-host";

/** Another client of the API saw a new site answer 404 for a while after its create's 202 (unknowns #1). */
describe("ForgeSite against a Forge that answers 404 for a new site right after its create", () => {
  let site: SiteHost;

  beforeAll(async () => {
    site = await startSiteHost("pr-401.preview.example.test", { siteNotFoundAfterCreateMs: 1_500 });
  });

  afterAll(() => site?.fixture.close());

  it("keeps polling through the 404s and creates the site, with one POST", async () => {
    const { sim, host, urn, inputs } = site;
    sim.clearRequests();

    const { id, outs } = await host.create(urn, inputs);

    const reads = answered(sim).filter((line) => line.startsWith(`GET /orgs/${ORG}/sites/${id} `));
    expect(reads[0]).toBe(`GET /orgs/${ORG}/sites/${id} 404`);
    expect(reads.at(-1)).toBe(`GET /orgs/${ORG}/sites/${id} 200`);
    expect(answered(sim).filter((line) => line.startsWith("POST"))).toStrictEqual([`POST ${SITES} 202`]);
    expect(outs).toMatchObject({ siteId: Number(id), domain: "pr-401.preview.example.test" });
    expect(sim.state().sites.map(({ id: siteId, status }) => ({ siteId, status }))).toStrictEqual([
      { siteId: Number(id), status: "installed" },
    ]);
  });
});
