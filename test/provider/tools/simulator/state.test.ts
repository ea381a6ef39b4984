import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SERVER_PATH, TOKEN, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator state, persistence and request log", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "forge-sim-state-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps sites, databases and .env across a restart when a state path is set", async () => {
    const statePath = path.join(dir, "state.json");
    const first = await startTestSimulator({ statePath });
    const site = await createSite(first, "pr-60.example.test");
    await call(first, "PUT", `${SERVER_PATH}/sites/${site}/environment`, { environment: "APP_ENV=kept\n" });
    await call(first, "POST", `${SERVER_PATH}/database/schemas`, { name: "pr_60" });
    await first.close();

    const second = await startTestSimulator({ statePath });
    try {
      expect((await call(second, "GET", `/orgs/acme/sites/${site}`)).json.data.attributes).toMatchObject({
        name: "pr-60.example.test",
        status: "installed",
      });
      expect((await call(second, "GET", `${SERVER_PATH}/sites/${site}/environment`)).json.data.attributes.content).toBe(
        "APP_ENV=kept\n",
      );
      expect(second.state().databases.map((database) => database.name)).toEqual(["pr_60"]);
      // New ids continue after the persisted ones instead of reusing them.
      const next = await createSite(second, "pr-61.example.test");
      expect(Number(next)).toBeGreaterThan(Number(site));
      second.reset();
      expect(fs.existsSync(statePath)).toBe(false);
      expect(second.state().sites).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("refuses a state file it did not write, naming the file", async () => {
    const statePath = path.join(dir, "foreign.json");
    fs.writeFileSync(statePath, JSON.stringify({ hello: "world" }));
    await expect(startTestSimulator({ statePath })).rejects.toThrow(
      `Simulator state file ${statePath} is not a state file this simulator wrote`,
    );
  });

  it("records method, path, query, status, time and body keys, never the token or body values", async () => {
    const sim = await startTestSimulator();
    try {
      const site = await createSite(sim, "pr-62.example.test");
      sim.clearRequests();
      const before = Date.now();
      await call(sim, "PUT", `${SERVER_PATH}/sites/${site}/environment`, { environment: "DB_PASSWORD=hunter2\n" });
      await call(sim, "GET", `${SERVER_PATH}/sites?filter[name]=pr-62`);
      await call(sim, "GET", "/orgs", undefined, null);
      expect(sim.requests).toEqual([
        {
          method: "PUT",
          path: `${SERVER_PATH}/sites/${site}/environment`,
          query: {},
          status: 202,
          at: expect.any(Number),
          route: "/orgs/{organization}/servers/{server}/sites/{site}/environment",
          bodyKeys: ["environment"],
        },
        {
          method: "GET",
          path: `${SERVER_PATH}/sites`,
          query: { "filter[name]": "pr-62" },
          status: 200,
          at: expect.any(Number),
          route: "/orgs/{organization}/servers/{server}/sites",
        },
        { method: "GET", path: "/orgs", query: {}, status: 401, at: expect.any(Number) },
      ]);
      expect(sim.requests[0].at).toBeGreaterThanOrEqual(before);
      const log = JSON.stringify(sim.requests);
      expect(log).not.toContain("hunter2");
      expect(log).not.toContain(TOKEN);
    } finally {
      await sim.close();
    }
  });

  it("shows each object's current status in state()", async () => {
    const sim = await startTestSimulator();
    try {
      await createSite(sim, "pr-63.example.test");
      const [site] = sim.state().sites;
      expect(site).toMatchObject({ name: "pr-63.example.test", status: "installed", serverId: 1 });
      expect(site).not.toHaveProperty("lifecycle");
      expect(sim.state().domains[0]).toMatchObject({ name: "pr-63.example.test", type: "primary", status: "enabled" });
    } finally {
      await sim.close();
    }
  });
});
