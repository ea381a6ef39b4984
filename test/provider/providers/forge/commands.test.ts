import { SERVER_ID, useHarnessWithSite } from "../../../support/forge-simulator";

const t = useHarnessWithSite({ type: "laravel", name: "pr-71.example.dev" });

describe("site commands", () => {
  it("runs a command, finds the run from the list (Forge returns no id) and reads its output", async () => {
    await expect(
      t.forge.commands.run(SERVER_ID, t.siteId, { command: "php artisan migrate --force" }),
    ).resolves.toBeUndefined();
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${t.sitePath}/commands`,
      status: 202,
      bodyKeys: ["command"],
    });
    const run = await t.forge.commands.findLatest(SERVER_ID, t.siteId, "php artisan migrate --force");
    expect(run).toMatchObject({ command: "php artisan migrate --force", status: "finished" });
    expect(t.h.sim.requests[1]!.query).toStrictEqual({
      "filter[command]": "php artisan migrate --force",
      sort: "-created_at",
      "page[size]": "2",
    });
    await expect(t.forge.commands.get(SERVER_ID, t.siteId, run!.id)).resolves.toStrictEqual(run);
    const output = await t.forge.commands.getOutput(SERVER_ID, t.siteId, run!.id);
    expect(output).toBe(t.h.sim.state().commands[0]!.output);
    expect(t.h.calls().slice(2)).toStrictEqual([
      `GET ${t.sitePath}/commands/${run!.id}`,
      `GET ${t.sitePath}/commands/${run!.id}/output`,
    ]);
  });

  it("finds the newest of several runs of the same command", async () => {
    for (let i = 0; i < 3; i++) await t.forge.commands.run(SERVER_ID, t.siteId, { command: "php artisan cache:clear" });
    const ids = t.h.sim.state().commands.map((command) => command.id);
    await expect(t.forge.commands.findLatest(SERVER_ID, t.siteId, "php artisan cache:clear")).resolves.toMatchObject({
      id: Math.max(...ids),
    });
  });

  it("keeps declared secrets of a command out of errors", async () => {
    t.h.sim.inject({
      method: "POST",
      path: `${t.sitePath}/commands`,
      status: 422,
      body: { message: "bad", errors: { command: ["mysql -pdb-pw-4411 failed"] } },
    });
    const error = await t.forge.commands
      .run(SERVER_ID, t.siteId, { command: "mysql -pdb-pw-4411 -e 'select 1'", secrets: ["db-pw-4411"] })
      .catch((e: unknown) => e);
    expect(String(error)).toContain("mysql -p[REDACTED] failed");
    expect(JSON.stringify(error)).not.toContain("db-pw-4411");
  });
});
