import type { Connection } from "mysql2/promise";
import { cloneDatabase } from "../../../../providers/db-clone";
import type { SshSession } from "../../../../providers/ssh";
import {
  connectAsRoot,
  createEmptyDatabase,
  createMaster,
  dropDatabases,
  readContents,
  readTables,
} from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { type RecordingRunner, openRunner, previewCloneOptions, removeExportLocks } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "adopt_master";
const PR1 = "adopt_pr_1";
const PR2 = "adopt_pr_2";
const USER = "adopt_noreload";
const PASSWORD = "noreload-pw-51d";

describe("adoption and method detection", () => {
  const { mariadb } = testServices();
  let conn: Connection;
  let runner: RecordingRunner;
  let session: SshSession;

  const testerRows = async (db: string): Promise<number> =>
    Number(
      (
        (await conn.query(`SELECT COUNT(*) AS n FROM ${db}.customers WHERE email = 'tester@example.test'`))[0] as {
          n: unknown;
        }[]
      )[0]?.n,
    );

  beforeAll(async () => {
    conn = await connectAsRoot();
    await createMaster(conn, { name: MASTER });
    await createEmptyDatabase(conn, PR1);
    await createEmptyDatabase(conn, PR2);
    await conn.query(`DROP USER IF EXISTS '${USER}'@'localhost'`);
    await conn.query(`CREATE USER '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}'`);
    // Everything a dump/load needs (SET USER to recreate root-defined objects, mysql.proc to read routine bodies),
    // but not RELOAD, without which FLUSH TABLES ... FOR EXPORT is refused.
    await conn.query(`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON ${MASTER}.* TO '${USER}'@'localhost'`);
    await conn.query(`GRANT ALL ON ${PR2}.* TO '${USER}'@'localhost'`);
    await conn.query(`GRANT SET USER ON *.* TO '${USER}'@'localhost'`);
    await conn.query(`GRANT SELECT ON mysql.proc TO '${USER}'@'localhost'`);
    ({ runner, session } = await openRunner());
  });

  afterAll(async () => {
    removeExportLocks(MASTER);
    await dropDatabases(conn, MASTER, PR1, PR2);
    await conn?.query(`DROP USER IF EXISTS '${USER}'@'localhost'`);
    await conn?.end();
    await session?.close();
  });

  describe("adopt", () => {
    let first: Awaited<ReturnType<typeof cloneDatabase>>;

    beforeAll(async () => {
      first = await cloneDatabase(runner, previewCloneOptions(MASTER, PR1, { resetToken: "one", adopt: true }));
      await conn.query(`INSERT INTO ${PR1}.customers (email, name) VALUES ('tester@example.test', 'Tester')`);
    });

    it("keeps its own verified clone of the same source and token, returning the recorded result", async () => {
      const again = await cloneDatabase(runner, previewCloneOptions(MASTER, PR1, { resetToken: "one", adopt: true }));

      expect(again).toStrictEqual({ ...first, adopted: true });
      expect(await testerRows(PR1)).toBe(1);
    });

    it("clones afresh when the reset token differs", async () => {
      const fresh = await cloneDatabase(runner, previewCloneOptions(MASTER, PR1, { resetToken: "two", adopt: true }));

      expect(fresh.adopted).toBe(false);
      expect(fresh.startedAt > first.finishedAt).toBe(true);
      expect(await testerRows(PR1)).toBe(0);
    });
  });

  it("auto falls back to parallel dump/load for an account without RELOAD and says so", async () => {
    const access = { user: USER, password: PASSWORD, socket: mariadb.socket, dataDir: null };

    const result = await cloneDatabase(runner, previewCloneOptions(MASTER, PR2, { access }));

    expect(result.method).toBe("parallel-dump");
    expect(result.reason).toBe(
      "no transport: the MySQL account lacks RELOAD (FLUSH TABLES ... FOR EXPORT needs them); the source has 6 tables to load in parallel",
    );
    const tables = await readTables(conn, PR2);
    expect(tables).toStrictEqual((await readContents(conn, MASTER))?.tables);
  });
});
