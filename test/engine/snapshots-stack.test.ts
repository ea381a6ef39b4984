// The snapshots stack of the real project under the real engine: each `up` refreshes the master of every app with a
// production database from it (masked, swapped into place), `destroy` leaves the masters, and Forge is never written.
import { randomBytes } from "node:crypto";

import { SANDBOX_APP } from "../../tools/sandbox/embedded-default";
import { connectAsRoot, createMaster, dropDatabases, listDatabases, readContents } from "../support/master-fixture";
import { type PreviewEngine, forgeWrites, startPreviewEngine } from "./preview-workspace";

jest.setTimeout(240_000);

const STACK = "snapshots";
const MASK = "UPDATE customers SET email = CONCAT('masked-', id, '@example.invalid')";

describe("the snapshots stack of the real project under the real engine", () => {
  // A per-run app and databases of its own: the demo app's master is what other engine tests clone.
  const app = `snap${randomBytes(3).toString("hex")}`;
  const production = `${app}_live`;
  const master = `${app}_master`;
  let engine: PreviewEngine;

  const snapshotsOutput = async (): Promise<Record<string, Record<string, unknown>>> =>
    (
      JSON.parse((await engine.workspace.run(["stack", "output", "--stack", STACK, "--json"])).stdout) as {
        snapshots: Record<string, Record<string, unknown>>;
      }
    ).snapshots;
  const onMariaDb = async <T>(fn: (conn: Awaited<ReturnType<typeof connectAsRoot>>) => Promise<T>): Promise<T> => {
    const conn = await connectAsRoot();
    try {
      return await fn(conn);
    } finally {
      await conn.end();
    }
  };
  const count = (sql: string): Promise<number> =>
    onMariaDb(async (conn) => Number(((await conn.query(sql))[0] as Array<{ n: unknown }>)[0]?.n));
  const rowCounts = (db: string): Promise<Record<string, number>> =>
    onMariaDb(async (conn) => {
      const { _forge_previews_clone: _mark, ...tables } = (await readContents(conn, db))?.tables ?? {};
      return Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, t.rows]));
    });

  beforeAll(async () => {
    await onMariaDb((conn) => createMaster(conn, { name: production }));
    engine = await startPreviewEngine();
    const apps = {
      [SANDBOX_APP]: { repository: "acme/demo", masterDatabase: `${SANDBOX_APP}_master` },
      [app]: { repository: "acme/snap", masterDatabase: master, productionDatabase: production, maskingSql: MASK },
    };
    await engine.initStack(STACK, { apps: { value: JSON.stringify(apps), objectValue: apps } });
  });

  afterAll(async () => {
    await engine?.dispose();
    await onMariaDb((conn) => dropDatabases(conn, production, master, `${master}_fpstaging`));
  });

  it("the first `up` creates the masked master of the app with a production database and exports what it holds", async () => {
    const report = await engine.workspace.up(STACK);

    expect(report.changes).toEqual({ create: 2 });
    const snapshots = await snapshotsOutput();
    const counts = await rowCounts(production);
    expect(Object.keys(snapshots)).toStrictEqual([app]);
    expect(snapshots[app]).toStrictEqual({
      snapshotAt: expect.stringMatching(/Z$/),
      bytes: expect.any(Number),
      tables: Object.keys(counts).length,
      rows: Object.values(counts).reduce((sum, n) => sum + n, 0),
      sealed: true,
    });
    expect(await rowCounts(master)).toStrictEqual(counts);
    expect(await count(`SELECT COUNT(*) AS n FROM ${master}.customers WHERE email NOT LIKE 'masked-%'`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM ${production}.customers WHERE email LIKE 'masked-%'`)).toBe(0);
    expect(forgeWrites(engine.sim.requests)).toStrictEqual([]);
  });

  it("every later `up` refreshes the master from production, replacing its previous data", async () => {
    const before = await snapshotsOutput();
    await onMariaDb(async (conn) => {
      await conn.query(`INSERT INTO ${production}.customers (email, name) VALUES ('new@example.com', 'New')`);
      await conn.query(`INSERT INTO ${master}.customers (email, name) VALUES ('stale@example.test', 'Stale')`);
    });

    const report = await engine.workspace.up(STACK);

    expect(report.changes).toEqual({ same: 1, update: 1 });
    const after = await snapshotsOutput();
    expect(Date.parse(after[app]?.snapshotAt as string)).toBeGreaterThan(Date.parse(before[app]?.snapshotAt as string));
    expect(after[app]?.rows).toBe((before[app]?.rows as number) + 1);
    expect(await count(`SELECT COUNT(*) AS n FROM ${master}.customers WHERE email = 'stale@example.test'`)).toBe(0);
    expect(await rowCounts(master)).toStrictEqual(await rowCounts(production));
    expect(await onMariaDb(listDatabases)).not.toContain(`${master}_fpstaging`);
  });

  it("`destroy` leaves the master in place for the previews that clone it", async () => {
    const counts = await rowCounts(master);

    await engine.workspace.destroy(STACK);

    expect(await rowCounts(master)).toStrictEqual(counts);
    expect(forgeWrites(engine.sim.requests)).toStrictEqual([]);
  });
});
