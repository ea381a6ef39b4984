import type { Quirks, Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, eventually, startTestSimulator } from "../../../support/simulator";

type Json = Record<string, any>;

/** A simulator with these quirks alone, checking every answer against the spec's response schemas. */
function withQuirks(quirks: Partial<Quirks>, timeScale = 1): Promise<Simulator> {
  return startTestSimulator({ profile: "instant", checkResponses: true, rateLimitPerMinute: 0, quirks, timeScale });
}

async function siteAttributes(sim: Simulator, siteId: string): Promise<Json> {
  return (await call(sim, "GET", `/orgs/acme/sites/${siteId}`)).json.data.attributes;
}

async function deploy(sim: Simulator, siteId: string, outcome: "finished" | "failed"): Promise<void> {
  const path = `${SERVER_PATH}/sites/${siteId}/deployments`;
  if (outcome === "failed") sim.inject({ method: "POST", path, asyncOutcome: "failed" });
  const deploymentId = (await call(sim, "POST", path)).json.data.id;
  await eventually(
    async () => (await call(sim, "GET", `${path}/${deploymentId}`)).json.data.attributes.status,
    (status) => status === outcome,
  );
}

describe("simulator: the hostile quirks, each on its own", () => {
  let sim: Simulator | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("siteNotFoundAfterCreateMs answers 404 to GET and PUT of a new site for that long, while lists show it", async () => {
    sim = await withQuirks({ siteNotFoundAfterCreateMs: 3000 });
    const siteId = await createSite(sim, "pr-1.example.test");

    expect((await call(sim, "GET", `/orgs/acme/sites/${siteId}`)).status).toBe(404);
    expect((await call(sim, "PUT", `${SERVER_PATH}/sites/${siteId}`, { php_version: "php83" })).status).toBe(404);
    expect((await call(sim, "GET", `${SERVER_PATH}/sites?filter[name]=pr-1`)).json.data).toHaveLength(1);
    await eventually(
      async () => (await call(sim!, "GET", `/orgs/acme/sites/${siteId}`)).status,
      (status) => status === 200,
      10_000,
    );
    expect(sim.responseViolations).toStrictEqual([]);
  });

  it.each([["failed"], ["unhealthy"]] as const)(
    "siteStatusAfterFailedDeployment `%s`: an installed site reports its latest deployment, that value after a failure",
    async (afterFailure) => {
      sim = await withQuirks({ siteStatusAfterFailedDeployment: afterFailure });
      const siteId = await createSite(sim, "pr-2.example.test");

      expect((await siteAttributes(sim, siteId)).status).toBe("installed");
      await deploy(sim, siteId, "finished");
      expect((await siteAttributes(sim, siteId)).status).toBe("deployed");
      await deploy(sim, siteId, "failed");
      expect(await siteAttributes(sim, siteId)).toMatchObject({ status: afterFailure, deployment_status: "failed" });
      // The simulator's own record still says the site is installed.
      expect(sim.state().sites[0].status).toBe("installed");
    },
  );

  it("tagsApplied `never` lists no tags; `late` lists them only once the site is installed", async () => {
    const tagsOf = async (started: Simulator): Promise<string[]> => {
      const body = (await call(started, "GET", `${SERVER_PATH}/sites?include=tags`)).json;
      return (body.included ?? []).map((tag: Json) => tag.attributes.name);
    };
    sim = await withQuirks({ tagsApplied: "never" });
    await createSite(sim, "pr-3.example.test", { tags: ["owner-3"] });
    expect(await tagsOf(sim)).toStrictEqual([]);
    await sim.close();

    sim = await startTestSimulator({ profile: "realistic", timeScale: 0.005, quirks: { tagsApplied: "late" } });
    const siteId = await createSite(sim, "pr-3.example.test", { tags: ["owner-3"] });
    expect(await tagsOf(sim)).toStrictEqual([]);
    await eventually(
      () => siteAttributes(sim!, siteId),
      (site) => site.status === "installed",
    );
    expect(await tagsOf(sim)).toStrictEqual(["owner-3"]);
  });

  it("emptyCreateBodies answers every create 202 with nothing in the body, and the object exists", async () => {
    sim = await withQuirks({ emptyCreateBodies: true });
    const site = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-4.example.test" });
    const database = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "app_pr_4" });

    expect([site.status, site.text, database.status, database.text]).toStrictEqual([202, "", 202, ""]);
    expect(sim.state().sites.map((item) => item.name)).toStrictEqual(["pr-4.example.test"]);
    expect(sim.state().databases.map((item) => item.name)).toStrictEqual(["app_pr_4"]);
  });

  it("isolatedUserOutlivesSite keeps a deleted site's user and refuses it to the next site: 422 naming isolated_user", async () => {
    sim = await withQuirks({ isolatedUserOutlivesSite: true });
    const isolated = { is_isolated: true, isolated_user: "app-pr5" };
    const first = await createSite(sim, "pr-5.example.test", isolated);
    expect((await call(sim, "DELETE", `${SERVER_PATH}/sites/${first}`)).status).toBe(202);
    await eventually(
      async () => (await call(sim!, "GET", `/orgs/acme/sites/${first}`)).status,
      (status) => status === 404,
    );

    const again = await call(sim, "POST", `${SERVER_PATH}/sites`, {
      type: "laravel",
      name: "pr-5.example.test",
      ...isolated,
    });

    expect(again.status).toBe(422);
    expect(Object.keys(again.json.errors)).toStrictEqual(["isolated_user"]);
    expect(sim.state().leftoverUsers).toStrictEqual([{ serverId: 1, name: "app-pr5" }]);
    expect(
      (
        await call(sim, "POST", `${SERVER_PATH}/sites`, {
          type: "laravel",
          name: "pr-5.example.test",
          ...isolated,
          isolated_user: "app-pr5-2",
        })
      ).status,
    ).toBe(202);
  });

  it("without isolatedUserOutlivesSite a deleted site's user can be asked for again", async () => {
    sim = await withQuirks({});
    const isolated = { is_isolated: true, isolated_user: "app-pr6" };
    const first = await createSite(sim, "pr-6.example.test", isolated);
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${first}`);
    await eventually(
      async () => (await call(sim!, "GET", `/orgs/acme/sites/${first}`)).status,
      (status) => status === 404,
    );

    expect(
      (await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-6.example.test", ...isolated }))
        .status,
    ).toBe(202);
  });

  it("serverErrorRate and latencyMs answer some calls 5xx and delay every one, the same way for the same seed", async () => {
    const run = async (seed: number): Promise<{ statuses: number[]; slowest: number; fastest: number }> => {
      const started = await withQuirks({ serverErrorRate: 0.3, latencyMs: [20, 40], seed });
      try {
        const statuses: number[] = [];
        const times: number[] = [];
        for (let i = 0; i < 30; i++) {
          const before = Date.now();
          statuses.push((await call(started, "GET", `${SERVER_PATH}/sites`)).status);
          times.push(Date.now() - before);
        }
        return { statuses, slowest: Math.max(...times), fastest: Math.min(...times) };
      } finally {
        await started.close();
      }
    };

    const first = await run(7);
    const again = await run(7);
    const other = await run(8);

    expect(first.statuses).toStrictEqual(again.statuses);
    expect(first.statuses).not.toStrictEqual(other.statuses);
    expect(new Set(first.statuses.filter((status) => status !== 200))).not.toStrictEqual(new Set());
    expect([...new Set(first.statuses)].every((status) => [200, 500, 502, 503].includes(status))).toBe(true);
    expect(first.fastest).toBeGreaterThanOrEqual(19);
  });
});
