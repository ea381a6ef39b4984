import { type SiteHost, SITES, answered, startSiteHost } from "./site-host";

/**
 * Some creates answer 202 without the promised body (unknowns #21); with tags never listed either (unknowns #7), the
 * site can only be found by what this create asked for.
 */
describe("ForgeSite against a Forge whose create answers 202 with an empty body and never lists tags", () => {
  let site: SiteHost;

  beforeAll(async () => {
    site = await startSiteHost("pr-404.preview.example.test", { emptyCreateBodies: true, tagsApplied: "never" });
  });

  afterAll(() => site?.fixture.close());

  it("finds the site it created by its exact name, user and repository, with one POST", async () => {
    const { sim, host, urn, inputs } = site;
    sim.clearRequests();

    const { id, outs } = await host.create(urn, inputs);

    const [created] = sim.state().sites;
    expect(answered(sim).filter((line) => line.startsWith("POST"))).toStrictEqual([`POST ${SITES} 202`]);
    expect(sim.requests.find((request) => request.method === "POST")?.lostAnswer).toBeUndefined();
    expect(id).toBe(String(created.id));
    expect(outs).toMatchObject({ siteId: created.id, siteUser: "pr123", isolatedUser: "pr123" });
  });
});
