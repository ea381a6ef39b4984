import { readdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import {
  type CloneOptions,
  CloneVerificationError,
  RemoteCommandError,
  cloneDatabase,
} from "../../../../providers/db-clone";
import {
  createEmptyDatabase,
  createMaster,
  readContents,
  readTables,
  type Rows,
} from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { previewCloneOptions, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "verifyeng_master";
const TARGETS = ["verifyeng_pr_1", "verifyeng_pr_2", "verifyeng_pr_3"];

describe("verification catches a clone that differs from its source", () => {
  const server = useCloneServer({
    databases: [MASTER, ...TARGETS],
    exportLocks: [MASTER],
    prepare: async ({ conn }) => {
      await createMaster(conn, { name: MASTER, fulltext: true });
      for (const target of TARGETS) await createEmptyDatabase(conn, target);
    },
  });

  const { rows } = server;
  const markOf = async (db: string): Promise<Rows> =>
    rows(`SELECT owner, source, status FROM ${db}._forge_previews_clone`);

  /** Clones the master into `target`, expecting verification to fail, and returns that failure. */
  async function cloneFailingVerification(
    target: string,
    options: Partial<CloneOptions>,
  ): Promise<CloneVerificationError> {
    const outcome = await cloneDatabase(server.runner, previewCloneOptions(MASTER, target, options)).then(
      () => "cloned",
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(CloneVerificationError);
    return outcome as CloneVerificationError;
  }

  /** Clones the master into `target`, running `sql` on the clone just before it is verified; returns the failure. */
  const cloneTamperedBeforeVerify = (
    target: string,
    options: Partial<CloneOptions>,
    sql: (clone: string) => string,
  ): Promise<CloneVerificationError> =>
    cloneFailingVerification(target, {
      ...options,
      hooks: { beforeVerify: async (context) => void (await server.conn.query(sql(context.target))) },
    });

  it("transport: a row changed in the clone before verification fails it by CHECKSUM TABLE, naming the table", async () => {
    const error = await cloneTamperedBeforeVerify(
      "verifyeng_pr_1",
      { method: "transport" },
      (target) => `UPDATE ${target}.customers SET name = 'tampered' WHERE id = 3`,
    );

    expect(error.problems).toStrictEqual([
      { object: "customers", detail: expect.stringMatching(/^CHECKSUM TABLE \d+ in the source, \d+ in the clone$/) },
    ]);
    expect(error.message).toMatch(
      /^Clone `verifyeng_pr_1` of `verifyeng_master` failed verification \(1 difference\): customers: CHECKSUM TABLE/,
    );
    expect(await markOf("verifyeng_pr_1")).toStrictEqual([
      { owner: "forge-previews-test-verifyeng_pr_1", source: MASTER, status: "failed" },
    ]);
  });

  it("transport: the source changing between the file copy and verification is caught", async () => {
    const error = await cloneFailingVerification("verifyeng_pr_1", {
      method: "transport",
      hooks: {
        afterCopy: async ({ source }) =>
          void (await server.conn.query(`UPDATE ${source}.products SET price = price + 1 WHERE id = 1`)),
      },
    });
    await server.conn.query(`UPDATE ${MASTER}.products SET price = price - 1 WHERE id = 1`);

    expect(error.problems.map((p) => p.object)).toStrictEqual(["products"]);
  });

  it("transport: a copied tablespace file that is corrupt fails the import, naming the step; the server lives on", async () => {
    const outcome = await cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, "verifyeng_pr_1", {
        method: "transport",
        hooks: {
          // Page 2 of a file-per-table tablespace holds its segment inodes; IMPORT reads it before any index.
          afterCopy: async ({ dataDir, target }) => {
            const file = await open(join(dataDir, target, "customers.ibd"), "r+");
            await file.write(Buffer.alloc(16_384, 0xa5), 0, 16_384, 2 * 16_384);
            await file.close();
          },
        },
      }),
    ).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(RemoteCommandError);
    expect((outcome as Error).message).toMatch(
      /^Importing the copied tablespaces into `verifyeng_pr_1` failed \(exit 1\): ERROR 1815 .* `verifyeng_pr_1`\.`customers` : Data structure corruption$/,
    );
    expect(await markOf("verifyeng_pr_1")).toStrictEqual([
      { owner: "forge-previews-test-verifyeng_pr_1", source: MASTER, status: "failed" },
    ]);
    expect(
      readdirSync(join(testServices().mariadb.dataDir, "verifyeng_pr_1")).filter((name) => name.endsWith(".cfg")),
    ).toStrictEqual([]);
    // Its half-imported tables are gone, so the database can be dropped (a still-discarded table would block that).
    expect(await rows("SHOW TABLES FROM verifyeng_pr_1")).toStrictEqual([
      { Tables_in_verifyeng_pr_1: "_forge_previews_clone" },
    ]);
    expect(await rows(`SELECT COUNT(*) AS n FROM ${MASTER}.customers`)).toStrictEqual([{ n: expect.any(String) }]);
  });

  it("the owner's next clone clears a failed clone and succeeds", async () => {
    const result = await cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, "verifyeng_pr_1", { method: "transport" }),
    );

    expect(result.method).toBe("transport");
    const tables = await readTables(server.conn, "verifyeng_pr_1");
    expect(tables).toStrictEqual((await readContents(server.conn, MASTER))?.tables);
    expect(await markOf("verifyeng_pr_1")).toStrictEqual([
      { owner: "forge-previews-test-verifyeng_pr_1", source: MASTER, status: "verified" },
    ]);
  });

  it("parallel-dump: a deleted row is caught by row counts even without checksums", async () => {
    const error = await cloneTamperedBeforeVerify(
      "verifyeng_pr_2",
      { method: "parallel-dump", verify: "counts" },
      (target) => `DELETE FROM ${target}.audit_log WHERE id = 7`,
    );

    expect(error.problems).toStrictEqual([{ object: "audit_log", detail: "120 rows in the source, 119 in the clone" }]);
  });

  it("a failing post-clone script fails the clone after verification, naming the script, and marks it failed", async () => {
    const outcome = await cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, "verifyeng_pr_2", {
        method: "stream-dump",
        postCloneSql: [
          "UPDATE customers SET email = CONCAT('masked-', id, '@example.invalid');",
          "UPDATE no_such_table SET x = 1;",
        ],
      }),
    ).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(RemoteCommandError);
    expect((outcome as Error).message).toBe(
      "Post-clone SQL script 2 of 2 in `verifyeng_pr_2` (the clone is kept but marked failed) failed (exit 1): " +
        "ERROR 1146 (42S02) at line 1: Table 'verifyeng_pr_2.no_such_table' doesn't exist",
    );
    expect(await markOf("verifyeng_pr_2")).toStrictEqual([
      { owner: "forge-previews-test-verifyeng_pr_2", source: MASTER, status: "failed" },
    ]);
    expect(
      await rows("SELECT COUNT(*) AS n FROM verifyeng_pr_2.customers WHERE email NOT LIKE 'masked-%'"),
    ).toStrictEqual([{ n: "0" }]);
  });

  it("stream-dump: a routine and a trigger missing from the clone are named", async () => {
    const error = await cloneTamperedBeforeVerify(
      "verifyeng_pr_3",
      { method: "stream-dump" },
      (target) => `DROP PROCEDURE ${target}.customer_order_stats; DROP TRIGGER ${target}.orders_status_audit`,
    );

    expect(error.problems).toStrictEqual([
      { object: "trigger orders_status_audit (AFTER UPDATE on orders)", detail: "missing from the clone" },
      { object: "routine procedure customer_order_stats", detail: "missing from the clone" },
    ]);
  });

  it("transport: a table missing from the clone is named, and the other tables are still compared", async () => {
    const error = await cloneTamperedBeforeVerify(
      "verifyeng_pr_3",
      { method: "transport", verify: "counts" },
      (target) => `DROP TABLE ${target}.migrations; DELETE FROM ${target}.audit_log WHERE id = 9`,
    );

    expect(error.problems).toStrictEqual([
      { object: "table migrations", detail: "missing from the clone" },
      { object: "audit_log", detail: "120 rows in the source, 119 in the clone" },
    ]);
  });
});
