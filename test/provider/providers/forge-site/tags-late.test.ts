import type { DynamicHostCallError } from "../../../support/dynamic-host";
import { type SiteHost, SITES, answered, startSiteHost } from "./site-host";

/** Nothing says Forge applies a site's tags at its create (unknowns #7); this Forge never lists them. */
describe("ForgeSite against a Forge that never lists the site's tags", () => {
  let site: SiteHost;

  beforeAll(async () => {
    site = await startSiteHost("pr-403.preview.example.test", { tagsApplied: "never" });
  });

  afterAll(() => site?.fixture.close());

  it("deletes the site its state records, proven by the id and the exact name, and waits until it is gone", async () => {
    const { sim, host, urn, inputs } = site;
    const { id, outs } = await host.create(urn, inputs);
    sim.clearRequests();

    await host.delete(urn, id, outs);

    expect(answered(sim).filter((line) => !line.startsWith("GET"))).toStrictEqual([`DELETE ${SITES}/${id} 202`]);
    expect(sim.state().sites).toStrictEqual([]);
  });

  it("refuses to adopt a same-named site without the tag when the state does not hold it, and names the way out", async () => {
    const { sim, host, urn, inputs } = site;
    const { id } = await host.create(urn, inputs);
    sim.clearRequests();

    const error = (await host.create(urn, inputs).catch((rejection: unknown) => rejection)) as DynamicHostCallError;

    expect(error.details).toContain(
      `Forge already has a site \`pr-403.preview.example.test\` (site ${id}) on server 1 without this stack's tag`,
    );
    expect(error.details).toContain("Forge may apply tags late or not at all");
    expect(answered(sim).filter((line) => !line.startsWith("GET"))).toStrictEqual([]);
    expect(sim.state().sites.map((item) => item.id)).toStrictEqual([Number(id)]);
  });
});
