import { spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import {
  CloneRefusedError,
  CloneVerificationError,
  RemoteCommandError,
  cloneDatabase,
  sealDatabase,
} from "../../../../providers/db-clone";
import {
  createEmptyDatabase,
  createMaster,
  markAsVerifiedClone,
  readServerState,
  readTables,
} from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { previewCloneOptions, rootAccess, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "sealeng_master";
const OWNER = "forge-previews-snapshots";
const TARGETS = ["sealeng_pr_1", "sealeng_pr_2", "sealeng_pr_3", "sealeng_pr_4"];

interface StoredSeal {
  sealedAt: string;
  tables: Record<string, { rows: number; checksum: string | null; file: string }>;
}

describe("a sealed master: clones compare with its seal while its files are unchanged", () => {
  const server = useCloneServer({
    databases: [MASTER, ...TARGETS, "sealeng_other"],
    exportLocks: [MASTER],
    prepare: async ({ conn }) => {
      await createMaster(conn, { name: MASTER });
      await markAsVerifiedClone(conn, MASTER, OWNER);
    },
  });
  const logs: string[] = [];

  const { rows } = server;
  const storedSeal = async (): Promise<StoredSeal | null> => {
    const [row] = await rows(`SELECT seal FROM ${MASTER}._forge_previews_clone WHERE id = 1`);
    return row?.seal === null || row?.seal === undefined ? null : (JSON.parse(String(row.seal)) as StoredSeal);
  };
  const writeSeal = async (seal: StoredSeal): Promise<void> => {
    await server.conn.query(`UPDATE ${MASTER}._forge_previews_clone SET seal = ? WHERE id = 1`, [JSON.stringify(seal)]);
  };
  const seal = () =>
    sealDatabase(server.runner, {
      database: MASTER,
      owner: OWNER,
      access: rootAccess(),
      log: (line) => logs.push(line),
    });
  /** Statements sent to the server since `from` that counted rows of the master. */
  const countsOfMaster = (from: number): string[] =>
    server.runner.calls
      .slice(from)
      .flatMap((call) => call.stdin.split("\n").filter((line) => line.includes(`COUNT(*) FROM \`${MASTER}\``)));
  const clone = (target: string, overrides: Parameters<typeof previewCloneOptions>[2] = {}) =>
    cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, target, { method: "auto", log: (line) => logs.push(line), ...overrides }),
    );

  beforeEach(async () => {
    logs.length = 0;
    for (const target of TARGETS) await createEmptyDatabase(server.conn, target);
  });

  /** Seals `sealeng_other` for the owner, returning what it threw. */
  const sealOther = (): Promise<unknown> =>
    sealDatabase(server.runner, { database: "sealeng_other", owner: OWNER, access: rootAccess() }).catch(
      (e: unknown) => e,
    );

  it("refuses to seal a database that is not the owner's verified clone, and writes nothing", async () => {
    await createMaster(server.conn, { name: "sealeng_other" });
    const unmarkedBefore = await readServerState(server.conn, ["sealeng_other"]);

    const unmarked = await sealOther();
    expect(unmarked).toBeInstanceOf(CloneRefusedError);
    expect((unmarked as Error).message).toBe(
      `Refusing to seal \`sealeng_other\`: it has no clone mark, and only a verified clone by \`${OWNER}\` is sealed.`,
    );
    expect(await readServerState(server.conn, ["sealeng_other"])).toStrictEqual(unmarkedBefore);

    await markAsVerifiedClone(server.conn, "sealeng_other", "someone-else");
    const before = await readServerState(server.conn, ["sealeng_other"]);
    const foreign = await sealOther();
    expect((foreign as Error).message).toBe(
      `Refusing to seal \`sealeng_other\`: it is marked by \`someone-else\` (verified), and only a verified clone by \`${OWNER}\` is sealed.`,
    );
    expect(await rows("SELECT seal FROM sealeng_other._forge_previews_clone")).toStrictEqual([{ seal: null }]);
    expect((await readServerState(server.conn, ["sealeng_other"])).sealeng_other?.tables).toStrictEqual(
      before.sealeng_other?.tables,
    );
  });

  it("a master whose mark predates seals is cloned as before, and sealing adds the mark's column", async () => {
    await server.conn.query(`ALTER TABLE ${MASTER}._forge_previews_clone DROP COLUMN seal`);

    const cloned = await clone("sealeng_pr_1");
    const sealed = await seal();

    expect(cloned.verifiedAgainst).toBe("source");
    expect(sealed.sealed).toBe(true);
    expect((await storedSeal())?.tables.orders?.rows).toBe(
      Number((await rows(`SELECT COUNT(*) AS n FROM ${MASTER}.orders`))[0]?.n),
    );
  });

  it("records each table's row count, checksum and file identity as the server has them", async () => {
    const result = await seal();
    const stored = await storedSeal();
    const tables = (
      await rows(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> '_forge_previews_clone' ORDER BY 1",
        [MASTER],
      )
    )
      .map((r) => String(r.name))
      .sort();

    expect(result).toStrictEqual({ sealed: true, tables: tables.length, detail: "" });
    expect(Object.keys(stored?.tables ?? {}).sort()).toStrictEqual(tables);
    for (const table of tables) {
      const [{ n }] = (await rows(`SELECT COUNT(*) AS n FROM ${MASTER}.\`${table}\``)) as [{ n: unknown }];
      const [{ Checksum }] = (await rows(`CHECKSUM TABLE ${MASTER}.\`${table}\``)) as [{ Checksum: unknown }];
      const file = statSync(join(testServices().mariadb.dataDir, MASTER, `${table}.ibd`), { bigint: true });
      const sealed = stored?.tables[table];
      expect(sealed?.rows).toBe(Number(n));
      expect(sealed?.checksum).toBe(String(Checksum));
      const [device, inode, size, modified] = (sealed?.file ?? "").split(":");
      expect({ device, inode, size, modified: modified?.split(".")[0] }).toStrictEqual({
        device: String(file.dev),
        inode: String(file.ino),
        size: String(file.size),
        modified: String(file.mtimeMs / 1000n),
      });
    }
  });

  it("waits for a transport clone's export of the same master before taking its own export lock", async () => {
    const held = "/tmp/sealeng-export-lock-held";
    rmSync(held, { force: true });
    // A clone copying under the export lock holds this file lock for the length of its copy.
    const clone = spawn("flock", [`/tmp/forge-previews-export-${MASTER}.lock`, "-c", `touch ${held}; sleep 1.5`], {
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => clone.once("exit", resolve));
    while (!existsSync(held)) await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();

    const result = await seal();

    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
    expect(result.sealed).toBe(true);
    await exited;
    rmSync(held, { force: true });
  });

  it("a clone of the sealed master counts only the clone, and says it was compared with the seal", async () => {
    await seal();
    const from = server.runner.calls.length;

    const result = await clone("sealeng_pr_1");

    expect(result).toMatchObject({ method: "transport", verifiedWith: "checksum", verifiedAgainst: "seal" });
    expect(countsOfMaster(from)).toStrictEqual([]);
    expect(logs).toContainEqual(
      expect.stringMatching(/^every table file of `sealeng_master` is unchanged since its seal of /),
    );
    const dataOf = async (db: string) => {
      const tables = await readTables(server.conn, db);
      return tables;
    };
    expect(await dataOf("sealeng_pr_1")).toStrictEqual(await dataOf(MASTER));
  });

  it("a seal that disagrees with the clone fails verification, naming the table and the seal", async () => {
    await seal();
    const stored = (await storedSeal()) as StoredSeal;
    const orders = stored.tables.orders as StoredSeal["tables"][string];
    await writeSeal({ ...stored, tables: { ...stored.tables, orders: { ...orders, rows: orders.rows + 1 } } });

    const error = await clone("sealeng_pr_2").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CloneVerificationError);
    expect((error as CloneVerificationError).problems).toStrictEqual([
      {
        object: "orders",
        detail: `${orders.rows + 1} rows in the seal of \`${MASTER}\` (${stored.sealedAt}), ${orders.rows} in the clone`,
      },
    ]);
    expect(await rows("SELECT status FROM sealeng_pr_2._forge_previews_clone")).toStrictEqual([{ status: "failed" }]);
  });

  it("a master written after its seal is counted again, and the clone matches the master as it is now", async () => {
    await seal();
    const sealedRows = ((await storedSeal()) as StoredSeal).tables.products?.rows;
    await server.conn.query(
      `INSERT INTO ${MASTER}.products (sku, title, price) SELECT CONCAT(sku, '-new'), title, price FROM ${MASTER}.products WHERE id = 1`,
    );
    const from = server.runner.calls.length;

    const result = await clone("sealeng_pr_3");

    expect(result.verifiedAgainst).toBe("source");
    expect(result.tables.find((t) => t.name === "products")?.rows).toBe((sealedRows ?? 0) + 1);
    expect(countsOfMaster(from).length).toBeGreaterThan(0);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^measuring `sealeng_master` itself: its seal of \S+ does not cover `products` \(its file changed since the seal\)$/,
      ),
    );
  });

  it("verify objects: a transport clone still reports its rows, counted as each table arrives", async () => {
    const from = server.runner.calls.length;

    const result = await clone("sealeng_pr_1", { verify: "objects" });

    const master = await readTables(server.conn, MASTER);
    expect(result).toMatchObject({ method: "transport", verifiedWith: "objects", verifiedAgainst: "source" });
    expect(Object.fromEntries(result.tables.map((t) => [t.name, t.rows]))).toStrictEqual(
      Object.fromEntries(Object.entries(master).map(([name, table]) => [name, table.rows])),
    );
    expect(countsOfMaster(from)).toStrictEqual([]);
    expect(logs).toContainEqual("importing 6 tablespaces into `sealeng_pr_1` and counting each as it arrives");
  });

  it("a corrupt copy of a sealed master fails the import, naming the step, and leaves only the mark", async () => {
    await seal();
    const outcome = await clone("sealeng_pr_4", {
      hooks: {
        afterCopy: async ({ dataDir, target }) => {
          const file = await open(join(dataDir, target, "customers.ibd"), "r+");
          await file.write(Buffer.alloc(16_384, 0xa5), 0, 16_384, 2 * 16_384);
          await file.close();
        },
      },
    }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(RemoteCommandError);
    expect((outcome as Error).message).toMatch(
      /^Importing the copied tablespaces into `sealeng_pr_4` and copying its triggers, routines and events failed \(exit 1\): ERROR 1815 .*`customers` : Data structure corruption$/,
    );
    expect(await rows("SHOW TABLES FROM sealeng_pr_4")).toStrictEqual([
      { Tables_in_sealeng_pr_4: "_forge_previews_clone" },
    ]);
    expect(
      readdirSync(join(testServices().mariadb.dataDir, "sealeng_pr_4")).filter((name) => name.endsWith(".cfg")),
    ).toStrictEqual([]);
    const again = await clone("sealeng_pr_4");
    expect(again.verifiedAgainst).toBe("seal");
  });
});
