import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Connection } from "mysql2/promise";
import { type CapturedRegistration, expectRegisteredAs } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure } from "../../../support/dynamic-host";
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
  rowsOf,
} from "../../../support/master-fixture";
import { type ProviderHost, startServerProviderHost } from "../../../support/provider-host";
import { expectNoServerSecrets, testServices } from "../../../support/services";
import { IN_PLACE, NO_CHANGES, replacing } from "../../../support/diff-outcomes";

jest.setTimeout(120_000);

type Props = Record<string, unknown>;

/**
 * DbSnapshotClone through the real dynamic-provider host, cloning generated masters on the local MariaDB over the
 * local sshd (login root), so every assertion is about what MariaDB and the file system hold afterwards.
 */
describe("DbSnapshotClone through the dynamic-provider host", () => {
  const services = testServices();
  // A per-run app keeps this file apart from other suites and earlier runs sharing the MariaDB server.
  const app = `dsc${randomBytes(3).toString("hex")}`;
  const master = `${app}_master`;
  const production = `${app}_live`;
  const pr = (n: number): string => `${app}_pr_${n}`;
  const ownerTag = `forge-previews-${app}-pr-1`;
  const all = [master, production, pr(1), pr(2), pr(3), pr(4), pr(5)];
  let conn: Connection;
  let fixture: ProviderHost;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;

  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });
  const tablesOf = (db: string): Promise<Props> => readTables(conn, db);
  const workDirs = (target: string): string[] =>
    readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${target}.`));
  const expectNoSecrets = (text: string): void => expectNoServerSecrets(text, services);

  beforeAll(async () => {
    conn = await connectAsRoot();
    await createMaster(conn, { name: master, fulltext: true });
    await createMaster(conn, { name: production });
    for (const n of [1, 2, 3, 4]) await createEmptyDatabase(conn, pr(n));
    fixture = await startServerProviderHost({
      services: { mysql: true },
      register: async () => {
        const { DbSnapshotClone } = await import("../../../../providers/db-snapshot-clone");
        return new DbSnapshotClone("clone", {
          app,
          source: master,
          target: pr(1),
          ownerTag,
          protectedDatabases: [master, production],
        });
      },
      stack: `${app}-pr-1`,
    });
    ({ host, registration, urn, inputs } = fixture);
  });

  afterAll(async () => {
    rmSync(`/tmp/forge-previews-export-${master}.lock`, { force: true });
    await fixture?.close();
    if (conn) await dropDatabases(conn, ...all);
    await conn?.end();
  });

  it("registers as forge:DbSnapshotClone with only the given inputs, leaving defaults to check", () => {
    expectRegisteredAs(registration, "DbSnapshotClone", ["app", "ownerTag", "protectedDatabases", "source", "target"]);
  });

  describe("check", () => {
    it("applies the defaults: auto, no scripts, empty reset token, checksums on", async () => {
      const checked = await host.check(urn, {}, inputs);

      expect(checked.failures).toStrictEqual([]);
      expect(checked.inputs).toMatchObject({ method: "auto", postCloneSql: [], resetToken: "", verifyChecksums: true });
    });

    it.each<[string, Props, { property: string; reason: string }[]]>([
      [
        "a protected production target",
        { target: "shop" },
        [
          {
            property: "target",
            reason: "`target` database `shop` is not a preview database name `<app>_pr_<n>`, so it is never written",
          },
        ],
      ],
      [
        "a master as target",
        { target: "shop_pr_1", protectedDatabases: ["shop_pr_1"] },
        [
          {
            property: "target",
            reason:
              "`target` database `shop_pr_1` is listed in `protectedDatabases` (production or a snapshot master) and is never written",
          },
          { property: "target", reason: expect.stringContaining("is not a PR database of app") },
        ],
      ],
      [
        "an unknown method",
        { method: "rsync" },
        [{ property: "method", reason: "`method` must be one of `auto`, `transport`, `parallel-dump`, `stream-dump`" }],
      ],
      [
        "scripts that are not strings",
        { postCloneSql: [1] },
        [{ property: "postCloneSql", reason: "`postCloneSql` must be a list of SQL scripts (strings)" }],
      ],
    ])("refuses %s, naming the field", async (_case, changes, failures) => {
      const checked = await host.check(urn, {}, withInputs(changes));

      expect(checked.failures).toStrictEqual(failures);
    });

    it("checks and diffs unknown preview values without touching the server", async () => {
      const before = await readServerState(conn, all);

      const checked = await host.check(urn, {}, withInputs({ target: UNKNOWN, resetToken: UNKNOWN }));
      const diffed = await host.diff(urn, pr(1), { ...inputs, resetToken: "" }, withInputs({ resetToken: UNKNOWN }));

      expect(checked.failures).toStrictEqual([]);
      expect(diffed).toStrictEqual(replacing(["resetToken"], "delete-first"));
      expect(await readServerState(conn, all)).toStrictEqual(before);
      expect(workDirs(pr(1))).toStrictEqual([]);
    });
  });

  describe("lifecycle of one PR's clone", () => {
    let outs: Props;
    let checkedInputs: Props;

    beforeAll(async () => {
      checkedInputs = (await host.check(urn, {}, inputs)).inputs;
    });

    it("creates a verified clone by transportable tablespaces, sending the FULLTEXT table through dump/load", async () => {
      const created = await host.create(urn, checkedInputs);
      outs = created.outs;

      expect(created.id).toBe(pr(1));
      expect(outs).toMatchObject({
        app,
        source: master,
        target: pr(1),
        method: "auto",
        methodUsed: "transport",
        verifiedWith: "checksum",
        tables: 7,
        fallbackTables: [
          { name: "articles", reason: "it has a FULLTEXT index, which comes back corrupt from an imported tablespace" },
        ],
      });
      expect(outs.methodReason).toMatch(/^transportable tablespaces are possible/);
      expect(outs.rows).toBe(
        Object.values(await tablesOf(master)).reduce((sum: number, t) => sum + (t as { rows: number }).rows, 0),
      );
      expect(outs.sourceSnapshotAt).toEqual(expect.stringMatching(/Z$/));
      expect(await tablesOf(pr(1))).toStrictEqual(await tablesOf(master));
      expect(await rowsOf(conn, `SELECT owner, source, status FROM ${pr(1)}._forge_previews_clone`)).toStrictEqual([
        { owner: ownerTag, source: master, status: "verified" },
      ]);
      expect(workDirs(pr(1))).toStrictEqual([]);
      expectNoSecrets(JSON.stringify(outs) + host.logs());
    });

    it("diffs unchanged inputs as no change, even after the master got newer data", async () => {
      await conn.query(`INSERT INTO ${pr(1)}.customers (email, name) VALUES ('pr-tester@example.test', 'PR tester')`);
      await conn.query(`INSERT INTO ${master}.customers (email, name) VALUES ('new-in-master@example.test', 'Newer')`);

      const diffed = await host.diff(urn, pr(1), outs, checkedInputs);
      const read = await host.read(urn, pr(1), outs);

      expect(diffed).toStrictEqual(NO_CHANGES);
      expect(read).toMatchObject({ id: pr(1), props: outs });
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email = 'pr-tester@example.test'`),
      ).toBe(1);
    });

    it("updates the method and scripts in place without touching the PR's data", async () => {
      const news = {
        ...checkedInputs,
        method: "stream-dump",
        postCloneSql: ["UPDATE customers SET email = CONCAT('masked-', id, '@example.invalid')"],
      };

      const diffed = await host.diff(urn, pr(1), outs, news);
      const updated = await host.update(urn, pr(1), outs, news);

      expect(diffed).toStrictEqual(IN_PLACE);
      expect(updated.outs).toMatchObject({
        method: "stream-dump",
        methodUsed: "transport",
        postCloneSql: news.postCloneSql,
        clonedAt: outs.clonedAt,
      });
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email = 'pr-tester@example.test'`),
      ).toBe(1);
      outs = updated.outs;
      checkedInputs = news;
    });

    it("adopts its own verified clone when the state was lost, keeping the PR's data", async () => {
      const created = await host.create(urn, checkedInputs);

      expect(created.outs).toMatchObject({ methodUsed: "transport", tables: 7, clonedAt: outs.clonedAt });
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email = 'pr-tester@example.test'`),
      ).toBe(1);
    });

    it("replaces the clone with a fresh, masked copy of the newer master only when the reset token changes", async () => {
      const news = { ...checkedInputs, resetToken: "reset-1" };

      const diffed = await host.diff(urn, pr(1), outs, news);
      await host.delete(urn, pr(1), outs);
      const afterDelete = await countOf(
        conn,
        `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email = 'pr-tester@example.test'`,
      );
      const created = await host.create(urn, news);

      expect(diffed).toStrictEqual(replacing(["resetToken"], "delete-first"));
      expect(afterDelete).toBe(1);
      expect(created.outs).toMatchObject({
        methodUsed: "stream-dump",
        methodReason: "requested as `stream-dump`",
        resetToken: "reset-1",
      });
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email = 'pr-tester@example.test'`),
      ).toBe(0);
      expect(
        await countOf(conn, `SELECT COUNT(*) AS n FROM ${pr(1)}.customers WHERE email LIKE 'masked-%@example.invalid'`),
      ).toBe(await countOf(conn, `SELECT COUNT(*) AS n FROM ${master}.customers`));
      expect(await countOf(conn, `SELECT COUNT(*) AS n FROM ${master}.customers WHERE email LIKE 'masked-%'`)).toBe(0);
      outs = created.outs;
    });

    it("delete removes leftover temporary files and export metadata but no data", async () => {
      const leftover = path.join("/tmp", `forge-previews-clone-${pr(1)}.leftover1`);
      mkdirSync(leftover, { mode: 0o700 });
      writeFileSync(path.join(leftover, "client.cnf"), "[client]\n");
      writeFileSync(path.join(services.mariadb.dataDir, pr(1), "customers.cfg"), "stale");
      const tablesBefore = await tablesOf(pr(1));

      await host.delete(urn, pr(1), outs);

      expect(workDirs(pr(1))).toStrictEqual([]);
      expect(
        readdirSync(path.join(services.mariadb.dataDir, pr(1))).filter((name) => name.endsWith(".cfg")),
      ).toStrictEqual([]);
      expect(await tablesOf(pr(1))).toStrictEqual(tablesBefore);
    });

    it("drops from state on refresh once the database is gone", async () => {
      await dropDatabases(conn, pr(1));

      const read = await host.read(urn, pr(1), outs);

      expect(read.id).toBe("");
      expect(Object.keys(read.props)).toStrictEqual(["__provider"]);
    });
  });

  it.each([
    ["parallel-dump", 2],
    ["stream-dump", 3],
  ] as const)("clones with method %s and reports it", async (method, n) => {
    const props = (
      await host.check(urn, {}, withInputs({ target: pr(n), method, ownerTag: `forge-previews-${app}-pr-${n}` }))
    ).inputs;

    const created = await host.create(urn, props);

    expect(created.outs).toMatchObject({
      methodUsed: method,
      methodReason: `requested as \`${method}\``,
      fallbackTables: [],
      tables: 7,
    });
    expect(await tablesOf(pr(n))).toStrictEqual(await tablesOf(master));
    expect((await readContents(conn, pr(n)))?.routines).toStrictEqual([
      "FUNCTION order_item_count",
      "PROCEDURE customer_order_stats",
    ]);
  });

  describe("guards", () => {
    const guarded = [master, production, pr(4), pr(5)];

    beforeAll(async () => {
      await conn.query(`CREATE TABLE ${pr(4)}.users (id INT PRIMARY KEY); INSERT INTO ${pr(4)}.users VALUES (1), (2)`);
    });

    async function expectRefused(props: Props, message: RegExp): Promise<void> {
      const databases = await listDatabases(conn);
      const before = await readServerState(conn, guarded);

      const error = await hostCallFailure(host.create(urn, props));

      expect(error.details).toMatch(message);
      expect(error.initFailure).toBeUndefined();
      expect(await listDatabases(conn)).toStrictEqual(databases);
      expect(await readServerState(conn, guarded)).toStrictEqual(before);
      expectNoSecrets(error.details);
    }

    it("refuses a production target even when check was bypassed", async () => {
      await expectRefused(
        withInputs({ target: production }),
        new RegExp(`Refusing to create the clone of \`${master}\` into \`${production}\``),
      );
    });

    it("refuses a non-empty database that is not its clone, naming it", async () => {
      await expectRefused(
        withInputs({ target: pr(4) }),
        new RegExp(
          `Refusing to clone \`${master}\` into \`${pr(4)}\`: it holds 1 object \\(\`users\`\\) and no clone mark of this stack`,
        ),
      );
    });

    it("refuses a missing master, naming it", async () => {
      await expectRefused(
        withInputs({ source: `${app}_gone`, target: pr(5) }),
        new RegExp(`source database \`${app}_gone\` does not exist on the server`),
      );
    });
  });
});
