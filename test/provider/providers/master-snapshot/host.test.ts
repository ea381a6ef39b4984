import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import type { Connection } from "mysql2/promise";
import { type CapturedRegistration, expectRegisteredAs } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure } from "../../../support/dynamic-host";
import { cloneDatabase } from "../../../../providers/db-clone";
import { openRunner, previewCloneOptions, removeExportLocks } from "../../../support/db-clone";
import {
  connectAsRoot,
  countOf,
  createEmptyDatabase,
  createMaster,
  dropDatabases,
  listDatabases,
  readContents,
  readServerState,
  readTables,
  type Rows,
  rowsOf,
} from "../../../support/master-fixture";
import { type ProviderHost, startServerProviderHost } from "../../../support/provider-host";
import { expectNoServerSecrets, testServices } from "../../../support/services";
import { IN_PLACE, NO_CHANGES } from "../../../support/diff-outcomes";

jest.setTimeout(120_000);

type Props = Record<string, unknown>;

const MASK = "UPDATE customers SET email = CONCAT('masked-', id, '@example.invalid')";

/**
 * MasterSnapshot through the real dynamic-provider host, refreshing a master from a generated "production" database
 * on the local MariaDB over the local sshd, so every assertion is about what MariaDB holds afterwards.
 */
describe("MasterSnapshot through the dynamic-provider host", () => {
  const services = testServices();
  // A per-run app keeps this file apart from other suites and earlier runs sharing the MariaDB server.
  const app = `msn${randomBytes(3).toString("hex")}`;
  const production = `${app}_live`;
  const master = `${app}_master`;
  const staging = `${master}_fpstaging`;
  const foreign = `${app}_handmade`;
  const all = [production, master, staging, foreign, `${foreign}_fpstaging`, `${app}_pr_1`];
  let conn: Connection;
  let fixture: ProviderHost;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;

  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });
  const rowCounts = async (db: string): Promise<Record<string, number>> =>
    Object.fromEntries(Object.entries(await readTables(conn, db)).map(([name, t]) => [name, t.rows]));
  const holdingSchemas = async (): Promise<string[]> =>
    (await listDatabases(conn)).filter((name) => name.startsWith("fpold_"));
  const workDirs = (): string[] => readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${app}`));
  const expectNoSecrets = (text: string): void => expectNoServerSecrets(text, services);

  beforeAll(async () => {
    conn = await connectAsRoot();
    await dropDatabases(conn, ...all);
    await createMaster(conn, { name: production });
    fixture = await startServerProviderHost({
      services: { mysql: true },
      register: async () => {
        const { MasterSnapshot } = await import("../../../../providers/master-snapshot");
        return new MasterSnapshot(`${app}-master`, {
          app,
          productionDatabase: production,
          masterDatabase: master,
          maskingSql: [MASK],
          refreshToken: "week-1",
          protectedDatabases: ["other_live"],
        });
      },
      stack: "snapshots",
    });
    ({ host, registration, urn, inputs } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    if (conn) await dropDatabases(conn, ...all);
    await conn?.end();
  });

  it("registers as forge:MasterSnapshot with only the given inputs, leaving defaults to check", () => {
    expectRegisteredAs(registration, "MasterSnapshot", [
      "app",
      "maskingSql",
      "masterDatabase",
      "productionDatabase",
      "protectedDatabases",
      "refreshToken",
    ]);
  });

  describe("check", () => {
    it("applies the defaults: no masking, an empty token, nothing else protected", async () => {
      const checked = await host.check(
        urn,
        {},
        { __provider: inputs.__provider, app, productionDatabase: production, masterDatabase: master },
      );

      expect(checked.failures).toStrictEqual([]);
      expect(checked.inputs).toMatchObject({ maskingSql: [], refreshToken: "", protectedDatabases: [] });
    });

    it.each<[string, Props, { property: string; reason: string }[]]>([
      [
        "production as the master",
        { masterDatabase: "shop", productionDatabase: "shop" },
        [
          {
            property: "masterDatabase",
            reason: "`masterDatabase` `shop` is the production database itself; production is only ever read",
          },
        ],
      ],
      [
        "a preview database as the master",
        { masterDatabase: "shop_pr_12" },
        [
          {
            property: "masterDatabase",
            reason:
              "`masterDatabase` `shop_pr_12` is a preview database name (`<app>_pr_<n>`); name the app's master instead",
          },
        ],
      ],
      [
        "a protected database as the master",
        { masterDatabase: "other_live" },
        [
          {
            property: "masterDatabase",
            reason:
              "`masterDatabase` `other_live` is listed in `protectedDatabases` (production or another app's master) and is never written",
          },
        ],
      ],
      [
        "a master too long for its staging copy",
        { masterDatabase: "m".repeat(55) },
        [
          {
            property: "masterDatabase",
            reason: "`masterDatabase` must be 1-54 letters, digits or underscores (its staging copy adds `_fpstaging`)",
          },
        ],
      ],
      [
        "a system schema as production",
        { productionDatabase: "mysql" },
        [{ property: "productionDatabase", reason: "`productionDatabase` `mysql` is a system schema of the server" }],
      ],
      [
        "masking that is not SQL text",
        { maskingSql: [1] },
        [{ property: "maskingSql", reason: "`maskingSql` must be a list of SQL scripts (strings)" }],
      ],
    ])("refuses %s, naming the field", async (_case, changes, failures) => {
      const checked = await host.check(urn, {}, withInputs(changes));

      expect(checked.failures).toStrictEqual(failures);
    });

    it.each<[string, Props, { changes: string; replaces: string[] }]>([
      ["another master", { masterDatabase: `${app}_master2` }, { changes: "some", replaces: ["masterDatabase"] }],
      [
        "another production",
        { productionDatabase: `${app}_live2` },
        { changes: "some", replaces: ["productionDatabase"] },
      ],
      ["a new refresh token", { refreshToken: "week-9" }, { changes: "some", replaces: [] }],
      ["new masking", { maskingSql: [] }, { changes: "some", replaces: [] }],
      ["the same inputs", {}, { changes: "none", replaces: [] }],
    ])("diffs %s", async (_case, changes, expected) => {
      expect(await host.diff(urn, master, inputs, withInputs(changes))).toStrictEqual({
        ...expected,
        deleteBeforeReplace: false,
      });
    });

    it("checks and diffs unknown preview values without touching the server", async () => {
      const before = await readServerState(conn, all);

      const checked = await host.check(urn, {}, withInputs({ masterDatabase: UNKNOWN, refreshToken: UNKNOWN }));
      const diffed = await host.diff(urn, master, inputs, withInputs({ refreshToken: UNKNOWN }));

      expect(checked.failures).toStrictEqual([]);
      expect(diffed).toStrictEqual(IN_PLACE);
      expect(await readServerState(conn, all)).toStrictEqual(before);
    });
  });

  describe("guards leave MariaDB unchanged", () => {
    it.each<[string, Props, RegExp]>([
      ["production as the master", { masterDatabase: production }, /is the production database itself/],
      ["a preview database as the master", { masterDatabase: `${app}_pr_1` }, /is a preview database name/],
      [
        "a production database that does not exist",
        { productionDatabase: `${app}_gone` },
        /source database `\w+_gone` does not exist/,
      ],
    ])("refuses %s", async (_case, changes, message) => {
      await createEmptyDatabase(conn, `${app}_pr_1`);
      const before = await readServerState(conn, all);

      const error = await hostCallFailure(host.create(urn, withInputs(changes)));

      expect(error.message).toMatch(message);
      expect(error.initFailure).toBeUndefined();
      expect(await readServerState(conn, all)).toStrictEqual(before);
      expect(await holdingSchemas()).toStrictEqual([]);
    });

    it("refuses to replace a master it did not make, dropping its own staging copy", async () => {
      await createMaster(conn, { name: foreign });
      const before = await readContents(conn, foreign);

      const error = await hostCallFailure(host.create(urn, withInputs({ masterDatabase: foreign })));

      expect(error.message).toContain(`no clone mark of \`forge-previews-snapshots\``);
      expect(await readContents(conn, foreign)).toStrictEqual(before);
      expect(await readContents(conn, `${foreign}_fpstaging`)).toBeNull();
    });
  });

  describe("lifecycle of one app's master", () => {
    let outs: Props;
    let productionBefore: Awaited<ReturnType<typeof readContents>>;

    it("creates the master: production's rows, masked, with production untouched and no staging copy left", async () => {
      productionBefore = await readContents(conn, production);

      const created = await host.create(urn, inputs);
      outs = created.outs;

      expect(created.id).toBe(master);
      expect(outs).toMatchObject({
        app,
        productionDatabase: production,
        masterDatabase: master,
        refreshToken: "week-1",
        method: "stream-dump",
      });
      expect(outs.snapshotAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/));
      expect(outs.bytes).toBeGreaterThan(0);
      const productionCounts = await rowCounts(production);
      expect(await rowCounts(master)).toStrictEqual(productionCounts);
      expect(outs.tables).toBe(Object.keys(productionCounts).length);
      expect(outs.rows).toBe(Object.values(productionCounts).reduce((sum, n) => sum + n, 0));
      const customers = await countOf(conn, `SELECT COUNT(*) AS n FROM ${production}.customers`);
      expect(customers).toBeGreaterThan(0);
      expect(
        await countOf(
          conn,
          `SELECT COUNT(*) AS n FROM ${master}.customers WHERE email LIKE 'masked-%@example.invalid'`,
        ),
      ).toBe(customers);
      expect(await countOf(conn, `SELECT COUNT(*) AS n FROM ${production}.customers WHERE email LIKE 'masked-%'`)).toBe(
        0,
      );
      expect(await readContents(conn, production)).toStrictEqual(productionBefore);
      expect(await rowsOf(conn, `SELECT owner, source, status FROM ${master}._forge_previews_clone`)).toStrictEqual([
        { owner: "forge-previews-snapshots", source: production, status: "verified" },
      ]);
      expect(await readContents(conn, staging)).toBeNull();
      expect(await holdingSchemas()).toStrictEqual([]);
      expect(workDirs()).toStrictEqual([]);
      expectNoSecrets(JSON.stringify(outs) + host.logs());
    });

    it("seals the master, so a preview clone counts only itself and is compared with the seal", async () => {
      expect(outs.sealed).toBe(true);
      const [mark] = await rowsOf(conn, `SELECT seal FROM ${master}._forge_previews_clone`);
      const seal = JSON.parse(String(mark?.seal)) as { tables: Record<string, { rows: number }> };
      expect(
        Object.fromEntries(Object.entries(seal.tables).map(([table, sealed]) => [table, sealed.rows])),
      ).toStrictEqual(await rowCounts(master));

      await createEmptyDatabase(conn, `${app}_pr_1`);
      const { runner, session } = await openRunner();
      try {
        const cloned = await cloneDatabase(runner, previewCloneOptions(master, `${app}_pr_1`));
        expect(cloned).toMatchObject({ method: "transport", verifiedAgainst: "seal" });
        expect(runner.calls.some((call) => call.stdin.includes(`COUNT(*) FROM \`${master}\``))).toBe(false);
      } finally {
        await session.close();
        removeExportLocks(master);
        await dropDatabases(conn, `${app}_pr_1`);
      }
    });

    it("diffs the same token as no change and reads the master as present", async () => {
      expect(await host.diff(urn, master, outs, inputs)).toStrictEqual(NO_CHANGES);
      expect(await host.read(urn, master, outs)).toMatchObject({ id: master, props: outs });
    });

    it("a new token replaces the master atomically: readers always see a whole master, old data gone, no staging left", async () => {
      await conn.query(`INSERT INTO ${production}.customers (email, name) VALUES ('new-customer@example.com', 'New')`);
      await conn.query(`INSERT INTO ${master}.customers (email, name) VALUES ('stale@example.test', 'Stale')`);
      const news = withInputs({ refreshToken: "week-2" });
      const reader = await connectAsRoot();
      const seen: Array<number | string> = [];
      let reading = true;
      const readLoop = (async (): Promise<void> => {
        while (reading) {
          // A failed read is recorded, not thrown, so it shows up in the assertion below.
          const n = await reader.query(`SELECT COUNT(*) AS n FROM ${master}.customers`).then(
            ([result]) => Number((result as Rows)[0]?.n),
            (error: unknown) => (error as Error).message,
          );
          seen.push(n);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();

      const diffed = await host.diff(urn, master, outs, news);
      const updated = await host.update(urn, master, outs, news).finally(() => {
        reading = false;
      });
      await readLoop;
      await reader.end();

      const customers = await countOf(conn, `SELECT COUNT(*) AS n FROM ${production}.customers`);
      expect(diffed).toStrictEqual(IN_PLACE);
      expect(updated.outs).toMatchObject({ refreshToken: "week-2", rows: (outs.rows as number) + 1, sealed: true });
      expect(Date.parse(updated.outs.snapshotAt as string)).toBeGreaterThan(Date.parse(outs.snapshotAt as string));
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${master}.customers WHERE email = 'stale@example.test'`),
      ).toBe(0);
      expect(
        await countOf(
          conn,
          `SELECT COUNT(*) AS n FROM ${master}.customers WHERE email LIKE 'masked-%@example.invalid'`,
        ),
      ).toBe(customers);
      expect(await rowCounts(master)).toStrictEqual(await rowCounts(production));
      // The previous master (its rows plus the stale one) and the new one both hold `customers` rows, so every read
      // during the refresh sees exactly that: never a missing, empty or half-filled table.
      expect(seen.length).toBeGreaterThan(0);
      expect([...new Set(seen)]).toStrictEqual([customers]);
      expect(await readContents(conn, staging)).toBeNull();
      expect(await holdingSchemas()).toStrictEqual([]);
      outs = updated.outs;
      inputs = news;
    });

    it("a failing masking script leaves the previous master intact and no staging copy behind", async () => {
      const before = await readContents(conn, master);
      const news = withInputs({ refreshToken: "week-3", maskingSql: [MASK, "UPDATE no_such_table SET email = NULL"] });

      const error = await hostCallFailure(host.update(urn, master, outs, news));

      expect(error.message).toMatch(/no_such_table/);
      expect(await readContents(conn, master)).toStrictEqual(before);
      expect(await readContents(conn, staging)).toBeNull();
      expect(await holdingSchemas()).toStrictEqual([]);
      expect(workDirs()).toStrictEqual([]);
    });

    it("a new protected list is stored without a refresh", async () => {
      const before = await readContents(conn, master);
      const news = withInputs({ protectedDatabases: ["other_live", "another_live"] });

      const updated = await host.update(urn, master, outs, news);

      expect(updated.outs).toStrictEqual({ ...outs, protectedDatabases: ["other_live", "another_live"] });
      expect(await readContents(conn, master)).toStrictEqual(before);
    });

    it("a refresh first drops a staging copy an interrupted refresh of its own left", async () => {
      await createMaster(conn, { name: staging });
      await conn.query(
        `CREATE TABLE ${staging}._forge_previews_clone (id INT PRIMARY KEY, owner VARCHAR(255), source VARCHAR(64), reset_token_sha256 CHAR(64), ` +
          "status VARCHAR(16), started_at DATETIME(6), finished_at DATETIME(6) NULL, data_as_of DATETIME(6) NULL, result LONGTEXT NULL)",
      );
      await conn.query(
        `INSERT INTO ${staging}._forge_previews_clone VALUES (1, 'forge-previews-snapshots', '${production}', '', 'cloning', NOW(6), NULL, NULL, NULL)`,
      );

      const updated = await host.update(urn, master, outs, withInputs({ refreshToken: "week-4" }));

      expect(updated.outs).toMatchObject({ refreshToken: "week-4" });
      expect(await rowCounts(master)).toStrictEqual(await rowCounts(production));
      expect(await readContents(conn, staging)).toBeNull();
      outs = updated.outs;
    });

    it("delete leaves the master in place and removes only an owned staging copy", async () => {
      const before = await readContents(conn, master);

      await host.delete(urn, master, outs);

      expect(await readContents(conn, master)).toStrictEqual(before);
      expect(await readContents(conn, production)).not.toBeNull();
    });

    it("read drops the resource once the master is gone", async () => {
      await dropDatabases(conn, master);

      expect(await host.read(urn, master, outs)).toMatchObject({ id: "" });
    });
  });
});
