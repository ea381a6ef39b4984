import { ForgeWaitTimeoutError } from "../../../../providers/forge";
import type { ForgeSiteInputs } from "../../../../providers/forge-site";
import {
  findTaggedSite,
  listTaggedSites,
  waitForSiteGone,
  waitForSiteReady,
} from "../../../../providers/forge-site/forge";
import { ForgeSiteFailedError } from "../../../../providers/forge-site/state";
import { type Harness, ORG, SERVER_ID, resetHarness, startHarness } from "../../../support/forge-simulator";

const SITES = `/orgs/${ORG}/servers/${SERVER_ID}/sites`;

const INPUTS: ForgeSiteInputs = {
  serverId: SERVER_ID,
  domain: "pr-1.example.test",
  isolatedUser: "pr1",
  phpVersion: "php84",
  webDirectory: "/public",
  repository: "acme/app",
  branch: "feature/x",
  sourceControlProvider: "github",
  pushToDeploy: true,
  ownerTag: "forge-previews-app-pr-1",
};

async function createSite(harness: Harness, name: string, extra: Record<string, unknown> = {}): Promise<number> {
  const site = await harness.client().sites.create(SERVER_ID, {
    type: "laravel",
    name,
    isIsolated: true,
    isolatedUser: name.split(".")[0].replace(/[^a-z0-9]/g, ""),
    repository: "acme/app",
    branch: "feature/x",
    pushToDeploy: true,
    ...extra,
  });
  return site.id;
}

describe("forge-site lookups against the simulator (instant)", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ pageSize: 2 });
  });
  afterAll(async () => {
    await harness.sim.close();
  });
  beforeEach(() => resetHarness(harness));

  it("finds the exactly named site on a later page, with its tag names, past partial name matches", async () => {
    await createSite(harness, "a.pr-1.example.test", { tags: [INPUTS.ownerTag] });
    await createSite(harness, "b.pr-1.example.test", { tags: ["other"] });
    const id = await createSite(harness, "pr-1.example.test", { tags: ["team-x", INPUTS.ownerTag] });
    harness.sim.clearRequests();

    const found = await findTaggedSite(harness.client(), SERVER_ID, "pr-1.example.test");

    expect(found?.site.id).toBe(id);
    expect(found?.site.name).toBe("pr-1.example.test");
    expect(found?.tags).toStrictEqual(["team-x", INPUTS.ownerTag]);
    const queries = harness.sim.requests.map((request) => ({ path: request.path, query: request.query }));
    expect(queries).toStrictEqual([
      { path: SITES, query: { "filter[name]": "pr-1.example.test", include: "tags" } },
      {
        path: SITES,
        query: { "filter[name]": "pr-1.example.test", include: "tags", "page[cursor]": expect.any(String) },
      },
    ]);
  });

  it("lists every matching site with its own tags", async () => {
    await createSite(harness, "a.pr-1.example.test", { tags: ["one"] });
    await createSite(harness, "b.pr-1.example.test");
    await createSite(harness, "c.pr-1.example.test", { tags: ["one", "two"] });

    const listed = await listTaggedSites(harness.client(), SERVER_ID, "pr-1").all();

    expect(listed.map(({ site, tags }) => [site.name, tags])).toStrictEqual([
      ["a.pr-1.example.test", ["one"]],
      ["b.pr-1.example.test", []],
      ["c.pr-1.example.test", ["one", "two"]],
    ]);
  });

  it("finds nothing when only longer names contain the domain", async () => {
    await createSite(harness, "a.pr-1.example.test", { tags: [INPUTS.ownerTag] });

    await expect(findTaggedSite(harness.client(), SERVER_ID, "pr-1.example.test")).resolves.toBeUndefined();
  });

  it("waits for an installed site and returns it", async () => {
    const id = await createSite(harness, "pr-1.example.test");

    const site = await waitForSiteReady(harness.client(), { id, name: "pr-1.example.test" }, INPUTS);

    expect(site).toMatchObject({ id, status: "installed", repository: { status: "installed" } });
  });

  it("stops waiting at once, naming the site, when Forge reports the install failed", async () => {
    harness.sim.inject({ method: "POST", path: `${SITES}`, asyncOutcome: "failed" });
    const id = await createSite(harness, "pr-1.example.test");
    harness.sim.clearRequests();

    const wait = waitForSiteReady(harness.client(), { id, name: "pr-1.example.test" }, null);

    await expect(wait).rejects.toBeInstanceOf(ForgeSiteFailedError);
    await expect(wait).rejects.toThrow(`Forge site \`pr-1.example.test\` (site ${id}) failed to install`);
    expect(harness.sim.requests.filter((request) => request.path === `/orgs/${ORG}/sites/${id}`)).toHaveLength(1);
  });

  it("waits until a deleted site answers 404", async () => {
    const id = await createSite(harness, "pr-1.example.test");
    await harness.client().sites.delete(SERVER_ID, id);

    await expect(waitForSiteGone(harness.client(), id, "pr-1.example.test")).resolves.toBeUndefined();
    expect(harness.sim.state().sites.filter((site) => site.id === id && site.status !== "removing")).toStrictEqual([]);
    expect(harness.sim.requests.at(-1)).toMatchObject({ method: "GET", path: `/orgs/${ORG}/sites/${id}`, status: 404 });
  });
});

describe("forge-site waits against the simulator (realistic durations)", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ profile: "realistic" });
  });
  afterAll(async () => {
    await harness.sim.close();
  });

  it("times out with a message naming the site and its last status when the install does not finish", async () => {
    const id = await createSite(harness, "pr-1.example.test");

    const wait = waitForSiteReady(harness.client(), { id, name: "pr-1.example.test" }, INPUTS, 5_000);

    await expect(wait).rejects.toBeInstanceOf(ForgeWaitTimeoutError);
    await expect(wait).rejects.toThrow(
      `Timed out after 5 s waiting for Forge site ${id} (pr-1.example.test) to be installed with the requested settings ` +
        "(last status `installing; repository installing`)",
    );
  });
});
