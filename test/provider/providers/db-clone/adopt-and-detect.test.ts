import { cloneDatabase } from "../../../../providers/db-clone";
import { createEmptyDatabase, createMaster, readContents, readTables } from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { previewCloneOptions, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "adopt_master";
const PR1 = "adopt_pr_1";
const PR2 = "adopt_pr_2";
const USER = "adopt_noreload";
const PASSWORD = "noreload-pw-51d";

describe("adoption and method detection", () => {
  const { mariadb } = testServices();
  const server = useCloneServer({
    databases: [MASTER, PR1, PR2],
    user: { name: USER, password: PASSWORD },
    exportLocks: [MASTER],
    prepare: async ({ conn }) => {
      await createMaster(conn, { name: MASTER });
      await createEmptyDatabase(conn, PR1);
      await createEmptyDatabase(conn, PR2);
      // Everything a dump/load needs (SET USER to recreate root-defined objects, mysql.proc to read routine bodies),
      // but not RELOAD, without which FLUSH TABLES ... FOR EXPORT is refused.
      await conn.query(`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON ${MASTER}.* TO '${USER}'@'localhost'`);
      await conn.query(`GRANT ALL ON ${PR2}.* TO '${USER}'@'localhost'`);
      await conn.query(`GRANT SET USER ON *.* TO '${USER}'@'localhost'`);
      await conn.query(`GRANT SELECT ON mysql.proc TO '${USER}'@'localhost'`);
    },
  });

  const testerRows = async (db: string): Promise<number> =>
    Number(
      (
        (
          await server.conn.query(`SELECT COUNT(*) AS n FROM ${db}.customers WHERE email = 'tester@example.test'`)
        )[0] as {
          n: unknown;
        }[]
      )[0]?.n,
    );

  describe("adopt", () => {
    let first: Awaited<ReturnType<typeof cloneDatabase>>;

    beforeAll(async () => {
      first = await cloneDatabase(server.runner, previewCloneOptions(MASTER, PR1, { resetToken: "one", adopt: true }));
      await server.conn.query(`INSERT INTO ${PR1}.customers (email, name) VALUES ('tester@example.test', 'Tester')`);
    });

    it("keeps its own verified clone of the same source and token, returning the recorded result", async () => {
      const again = await cloneDatabase(
        server.runner,
        previewCloneOptions(MASTER, PR1, { resetToken: "one", adopt: true }),
      );

      expect(again).toStrictEqual({ ...first, adopted: true });
      expect(await testerRows(PR1)).toBe(1);
    });

    it("clones afresh when the reset token differs", async () => {
      const fresh = await cloneDatabase(
        server.runner,
        previewCloneOptions(MASTER, PR1, { resetToken: "two", adopt: true }),
      );

      expect(fresh.adopted).toBe(false);
      expect(fresh.startedAt > first.finishedAt).toBe(true);
      expect(await testerRows(PR1)).toBe(0);
    });
  });

  it("auto falls back to copying the rows inside the server for an account without RELOAD and says so", async () => {
    const access = { user: USER, password: PASSWORD, socket: mariadb.socket, dataDir: null };

    const result = await cloneDatabase(server.runner, previewCloneOptions(MASTER, PR2, { access }));

    expect(result.method).toBe("parallel-dump");
    expect(result.reason).toBe(
      "no transport: the MySQL account lacks RELOAD (FLUSH TABLES ... FOR EXPORT needs them); " +
        "the rows of 6 tables are copied inside the server by INSERT ... SELECT (no client formats or parses them)",
    );
    const tables = await readTables(server.conn, PR2);
    expect(tables).toStrictEqual((await readContents(server.conn, MASTER))?.tables);
  });
});
