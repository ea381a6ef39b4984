import { type SiteHost, SITES, answered, startSiteHost } from "./site-host";

/**
 * Forge may keep a deleted site's isolated Linux user and refuse the same `isolated_user` to the next site (unknowns
 * #8): a replace deletes the old site first, and a PR previewed again after `destroy` asks for the same user.
 */
describe("ForgeSite against a Forge that keeps a deleted site's isolated user and refuses it to the next site", () => {
  let site: SiteHost;

  beforeAll(async () => {
    site = await startSiteHost("pr-414.preview.example.test", { isolatedUserOutlivesSite: true });
  });

  afterAll(() => site?.fixture.close());

  it("creates the site again after a delete under the next free user name, and the next diff finds no change", async () => {
    const { sim, host, urn, inputs } = site;
    const first = await host.create(urn, inputs);
    await host.delete(urn, first.id, first.outs);
    sim.clearRequests();

    const again = await host.create(urn, inputs);

    expect(answered(sim).filter((line) => line.startsWith("POST"))).toStrictEqual([
      `POST ${SITES} 422`,
      `POST ${SITES} 202`,
    ]);
    expect(sim.state().leftoverUsers).toStrictEqual([{ serverId: 1, name: "pr123" }]);
    expect(sim.state().sites.map(({ name, user }) => ({ name, user }))).toStrictEqual([
      { name: "pr-414.preview.example.test", user: "pr123-2" },
    ]);
    expect(again.outs).toMatchObject({
      isolatedUser: "pr123",
      siteUser: "pr123-2",
      siteDirectory: "/home/pr123-2/pr-414.preview.example.test",
    });
    const read = await host.read(urn, again.id, again.outs, inputs);
    expect(read.props).toMatchObject({ isolatedUser: "pr123", siteUser: "pr123-2" });
    expect(await host.diff(urn, again.id, read.props ?? {}, inputs)).toMatchObject({ changes: "none" });
  });

  it("takes the name after that when the second one is left over too", async () => {
    const { sim, host, urn, inputs } = site;
    const [current] = sim.state().sites;
    const outs = (await host.read(urn, String(current.id), {}, inputs)).props ?? {};
    await host.delete(urn, String(current.id), { ...inputs, ...outs });

    const third = await host.create(urn, inputs);

    expect(third.outs).toMatchObject({ isolatedUser: "pr123", siteUser: "pr123-3" });
    expect(sim.state().leftoverUsers.map((user) => user.name)).toStrictEqual(["pr123", "pr123-2"]);
  });
});
