import { ForgeNotFoundError } from "../../../../providers/forge";
import { ORG, SERVER_ID, useHarness } from "../../../support/forge-simulator";

const t = useHarness();
const serverPath = `/orgs/${ORG}/servers/1`;

describe("background processes", () => {
  it("creates a queue worker linked to its site and lists it by site", async () => {
    const site = await t.forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-51.example.dev" });
    const other = await t.forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-52.example.dev" });
    t.h.sim.clearRequests();
    const worker = await t.forge.backgroundProcesses.create(SERVER_ID, {
      name: "pr-51 queue",
      command: "php artisan queue:work redis --sleep=3 --tries=3",
      user: "forge",
      processes: 1,
      siteId: site.id,
      directory: "/home/forge/pr-51.example.dev/current",
      stopwaitsecs: 60,
    });
    expect(worker).toMatchObject({
      command: "php artisan queue:work redis --sleep=3 --tries=3",
      user: "forge",
      processes: 1,
    });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${serverPath}/background-processes`,
      status: 202,
      bodyKeys: ["name", "site_id", "command", "user", "directory", "processes", "stopwaitsecs"],
    });
    expect(t.h.sim.state().backgroundProcesses).toMatchObject([
      { id: worker.id, siteId: site.id, name: "pr-51 queue", stopwaitsecs: 60 },
    ]);
    await t.forge.backgroundProcesses.create(SERVER_ID, {
      name: "other",
      command: "php artisan horizon",
      user: "forge",
      processes: 1,
      siteId: other.id,
    });
    t.h.sim.clearRequests();

    await expect(t.forge.backgroundProcesses.list(SERVER_ID, { siteId: site.id }).all()).resolves.toMatchObject([
      { id: worker.id },
    ]);
    expect(t.h.sim.requests[0]!.query).toStrictEqual({ "filter[site_id]": String(site.id), "page[size]": "2" });
    await expect(t.forge.backgroundProcesses.get(SERVER_ID, worker.id)).resolves.toMatchObject({
      id: worker.id,
      status: "running",
    });
    expect(t.h.calls()[1]).toBe(`GET ${serverPath}/background-processes/${worker.id}`);
  });

  it("deletes a background process", async () => {
    const worker = await t.forge.backgroundProcesses.create(SERVER_ID, {
      name: "w",
      command: "php artisan queue:work",
      user: "forge",
      processes: 2,
    });
    await t.forge.backgroundProcesses.delete(SERVER_ID, worker.id);
    expect(t.h.sim.requests.at(-1)).toMatchObject({
      method: "DELETE",
      path: `${serverPath}/background-processes/${worker.id}`,
      status: 202,
    });
    await expect(t.forge.backgroundProcesses.get(SERVER_ID, worker.id)).rejects.toBeInstanceOf(ForgeNotFoundError);
  });
});
