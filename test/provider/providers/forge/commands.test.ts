import type { ForgeClient } from "../../../../providers/forge";
import { ORG, SERVER_ID, resetHarness, startHarness, type Harness } from "../../../support/forge-simulator";

let h: Harness;
let forge: ForgeClient;
let siteId: number;
let sitePath: string;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});
beforeEach(async () => {
  resetHarness(h);
  forge = h.client();
  siteId = (await forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-71.example.dev" })).id;
  sitePath = `/orgs/${ORG}/servers/1/sites/${siteId}`;
  h.sim.clearRequests();
});

describe("site commands", () => {
  it("runs a command, finds the run from the list (Forge returns no id) and reads its output", async () => {
    await expect(forge.commands.run(SERVER_ID, siteId, { command: "php artisan migrate --force" })).resolves.toBeUndefined();
    expect(h.sim.requests[0]).toMatchObject({ method: "POST", path: `${sitePath}/commands`, status: 202, bodyKeys: ["command"] });
    const run = await forge.commands.findLatest(SERVER_ID, siteId, "php artisan migrate --force");
    expect(run).toMatchObject({ command: "php artisan migrate --force", status: "finished" });
    expect(h.sim.requests[1]!.query).toStrictEqual({
      "filter[command]": "php artisan migrate --force",
      sort: "-created_at",
      "page[size]": "2",
    });
    await expect(forge.commands.get(SERVER_ID, siteId, run!.id)).resolves.toStrictEqual(run);
    const output = await forge.commands.getOutput(SERVER_ID, siteId, run!.id);
    expect(output).toBe(h.sim.state().commands[0]!.output);
    expect(h.calls().slice(2)).toStrictEqual([`GET ${sitePath}/commands/${run!.id}`, `GET ${sitePath}/commands/${run!.id}/output`]);
  });

  it("finds the newest of several runs of the same command", async () => {
    for (let i = 0; i < 3; i++) await forge.commands.run(SERVER_ID, siteId, { command: "php artisan cache:clear" });
    const ids = h.sim.state().commands.map((command) => command.id);
    await expect(forge.commands.findLatest(SERVER_ID, siteId, "php artisan cache:clear")).resolves.toMatchObject({ id: Math.max(...ids) });
  });

  it("keeps declared secrets of a command out of errors", async () => {
    h.sim.inject({ method: "POST", path: `${sitePath}/commands`, status: 422, body: { message: "bad", errors: { command: ["mysql -pdb-pw-4411 failed"] } } });
    const error = await forge.commands
      .run(SERVER_ID, siteId, { command: "mysql -pdb-pw-4411 -e 'select 1'", secrets: ["db-pw-4411"] })
      .catch((e: unknown) => e);
    expect(String(error)).toContain("mysql -p[REDACTED] failed");
    expect(JSON.stringify(error)).not.toContain("db-pw-4411");
  });
});
