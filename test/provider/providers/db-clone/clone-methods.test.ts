import { readdirSync } from "node:fs";
import * as path from "node:path";
import { type CloneMethod, type CloneResult, cloneDatabase } from "../../../../providers/db-clone";
import {
  createEmptyDatabase,
  createMaster,
  dropDatabases,
  readContents,
  readTables,
} from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { openRunner, previewCloneOptions, removeExportLocks, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "clonemethods_master";
const TARGETS: Record<CloneMethod, string> = {
  transport: "clonem_pr_1",
  "parallel-dump": "clonem_pr_2",
  "stream-dump": "clonem_pr_3",
};

describe("cloneDatabase with each method", () => {
  const { mariadb } = testServices();
  const server = useCloneServer({
    databases: [MASTER, ...Object.values(TARGETS)],
    exportLocks: [MASTER],
    prepare: async ({ conn, runner }) => {
      await createMaster(conn, { name: MASTER, scale: 2, fulltext: true, myisam: true });
      for (const [method, target] of Object.entries(TARGETS) as [CloneMethod, string][]) {
        await createEmptyDatabase(conn, target);
        results.set(method, await cloneDatabase(runner, previewCloneOptions(MASTER, target, { method })));
      }
    },
  });
  const results = new Map<CloneMethod, CloneResult>();

  const { rows } = server;

  describe.each(Object.entries(TARGETS) as [CloneMethod, string][])("%s", (method, target) => {
    it("copies every table's rows and checksum, and every view, trigger, routine and event", async () => {
      const source = await readContents(server.conn, MASTER);
      const clone = await readContents(server.conn, target);
      const { _forge_previews_clone: mark, ...cloneTables } = clone?.tables ?? {};

      expect(mark?.rows).toBe(1);
      expect(cloneTables).toStrictEqual(source?.tables);
      expect({ ...clone, tables: {} }).toStrictEqual({ ...source, tables: {} });
      expect(source?.routines).toStrictEqual(["FUNCTION order_item_count", "PROCEDURE customer_order_stats"]);
    });

    it("reports the method, the verified tables and the totals", () => {
      const result = results.get(method) as CloneResult;

      expect(result).toMatchObject({ source: MASTER, target, method, verifiedWith: "checksum", adopted: false });
      expect(result.tables.map((t) => t.name)).toStrictEqual([
        // information_schema's order (its collation sorts `_` after letters).
        "articles",
        "audit_log",
        "customers",
        "legacy_counters",
        "migrations",
        "orders",
        "order_items",
        "products",
      ]);
      expect(result.tables.every((t) => typeof t.checksum === "string")).toBe(true);
      expect(result.rows).toBe(result.tables.reduce((sum, t) => sum + t.rows, 0));
      expect(result.bytes).toBeGreaterThan(0);
      expect(result.sourceSnapshotAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/));
    });

    it("gives the clone its own working trigger, foreign keys, view, routine and FULLTEXT index", async () => {
      await server.conn.query(`UPDATE ${target}.orders SET status = 'refunded' WHERE id = 1`);
      const [audit] = await rows(
        `SELECT COUNT(*) AS n FROM ${target}.audit_log WHERE order_id = 1 AND new_values LIKE '%refunded%'`,
      );
      const [masterAudit] = await rows(
        `SELECT COUNT(*) AS n FROM ${MASTER}.audit_log WHERE new_values LIKE '%refunded%'`,
      );
      const orphan = await server.conn
        .query(`INSERT INTO ${target}.orders (customer_id, status, total) VALUES (999999, 'x', 1)`)
        .catch((e: { code?: string }) => e.code);
      const [view] = await rows(`SELECT COUNT(*) AS n FROM ${target}.order_summaries WHERE status = 'refunded'`);
      const [matches] = await rows(
        `SELECT COUNT(*) AS n FROM ${target}.articles WHERE MATCH(title, body) AGAINST ('zebras')`,
      );
      const [fn] = await rows(
        `SELECT ${target}.order_item_count(1) = (SELECT COUNT(*) FROM ${target}.order_items WHERE order_id = 1) AS same`,
      );

      expect(Number(audit?.n)).toBe(1);
      expect(Number(masterAudit?.n)).toBe(0);
      expect(orphan).toBe("ER_NO_REFERENCED_ROW_2");
      expect(Number(view?.n)).toBe(1);
      expect(Number(matches?.n)).toBe(10);
      expect(Number(fn?.same)).toBe(1);
    });

    it("leaves no work directory and no export metadata behind", () => {
      expect(readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${target}.`))).toStrictEqual(
        [],
      );
      expect(readdirSync(path.join(mariadb.dataDir, target)).filter((name) => name.endsWith(".cfg"))).toStrictEqual([]);
      expect(readdirSync(path.join(mariadb.dataDir, MASTER)).filter((name) => name.endsWith(".cfg"))).toStrictEqual([]);
    });
  });

  it("transport copies the InnoDB files and sends the FULLTEXT and MyISAM tables through dump/load", () => {
    const result = results.get("transport") as CloneResult;

    expect(result.fallbackTables).toStrictEqual([
      { name: "articles", reason: "it has a FULLTEXT index, which comes back corrupt from an imported tablespace" },
      { name: "legacy_counters", reason: "its engine is MyISAM, not InnoDB" },
    ]);
    expect(result.tables.filter((t) => t.copiedBy === "dump").map((t) => t.name)).toStrictEqual([
      "articles",
      "legacy_counters",
    ]);
    expect(result.reason).toMatch(/^requested as `transport`; 2 tables via dump\/load/);
    const copyCall = server.runner.calls.find((call) => call.stdin.includes("FOR EXPORT"));
    expect(copyCall?.stdin).toMatch(
      /\nFLUSH TABLES `clonemethods_master`.`audit_log`, .* FOR EXPORT;\nsystem 'sh' '\/tmp\/forge-previews-clone-clonem_pr_1\.[^']+\/copy-tablespaces\.sh'\nUNLOCK TABLES;\n/,
    );
  });

  it("two transport clones of the same master at once both succeed", async () => {
    const targets = ["clonem_pr_4", "clonem_pr_5"];
    for (const target of targets) await createEmptyDatabase(server.conn, target);
    const second = await openRunner();

    try {
      const outcomes = await Promise.all([
        cloneDatabase(server.runner, previewCloneOptions(MASTER, "clonem_pr_4", { method: "transport" })),
        cloneDatabase(second.runner, previewCloneOptions(MASTER, "clonem_pr_5", { method: "transport" })),
      ]);

      expect(outcomes.map((r) => r.method)).toStrictEqual(["transport", "transport"]);
      for (const target of targets) {
        const tables = await readTables(server.conn, target);
        expect(tables).toStrictEqual((await readContents(server.conn, MASTER))?.tables);
      }
    } finally {
      await second.session.close();
      await dropDatabases(server.conn, ...targets);
    }
  });

  it("transport without fallback tables takes 6 round trips and measures the source while the target imports", async () => {
    const plain = "clonem_plain_master";
    await createMaster(server.conn, { name: plain, scale: 2 });
    await createEmptyDatabase(server.conn, "clonem_pr_6");
    const own = await openRunner();
    try {
      const result = await cloneDatabase(
        own.runner,
        previewCloneOptions(plain, "clonem_pr_6", { method: "transport", verify: "counts" }),
      );
      const calls = own.runner.calls.map((call) => call.stdin);
      const importBatch = calls.find((stdin) => stdin.includes("IMPORT TABLESPACE")) ?? "";
      const verifyBatch = calls.find((stdin) => stdin.includes("information_schema.VIEWS")) ?? "";

      expect(result.fallbackTables).toStrictEqual([]);
      expect(calls).toHaveLength(6);
      expect(importBatch).toContain(`COUNT(*) FROM \`${plain}\`.\`order_items\``);
      expect(verifyBatch).toContain("COUNT(*) FROM `clonem_pr_6`.`order_items`");
      expect(verifyBatch).not.toContain(`COUNT(*) FROM \`${plain}\``);
    } finally {
      removeExportLocks(plain);
      await own.session.close();
      await dropDatabases(server.conn, plain, "clonem_pr_6");
    }
  });

  it("the dump methods copy no files", () => {
    for (const method of ["parallel-dump", "stream-dump"] as const) {
      expect((results.get(method) as CloneResult).tables.every((t) => t.copiedBy === "dump")).toBe(true);
    }
  });
});
