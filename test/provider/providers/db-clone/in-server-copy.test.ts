import { readdirSync } from "node:fs";
import { RemoteCommandError, cloneDatabase } from "../../../../providers/db-clone";
import { type Rows, connectAsRoot, createEmptyDatabase, readTables, rowsOf } from "../../../support/master-fixture";
import { previewCloneOptions, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(120_000);

const MASTER = "inserver_master";
const TARGETS = { exact: "inserver_pr_1", killed: "inserver_pr_2" };
/** A table name that needs quoting everywhere: a hyphen, a space and a backtick. */
const ODD = "line-items `2`";
const ODD_SQL = "`line-items ``2```";
const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("hex");

/**
 * What a mysqldump file and its load keep that a careless copy loses: an id 0 (a plain INSERT would give it the next
 * AUTO_INCREMENT value), a table's AUTO_INCREMENT above its largest id, zero dates, NULLs, every byte value, JSON text,
 * an invisible column, and generated columns (which take no value of their own).
 */
const SOURCE_SQL = `
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO';
CREATE TABLE accounts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NULL,
  payload VARBINARY(300) NULL,
  doc JSON NULL,
  born DATETIME NULL,
  seen DATE NULL,
  ts TIMESTAMP NULL,
  ratio DOUBLE NULL,
  name_upper VARCHAR(100) AS (UPPER(name)) VIRTUAL,
  doubled BIGINT AS (CHAR_LENGTH(name) * 2) STORED,
  secret INT NULL INVISIBLE,
  KEY accounts_doubled (doubled)
) ENGINE=InnoDB;
INSERT INTO accounts (id, name, payload, doc, born, seen, ts, ratio, secret) VALUES
  (0, 'zero', X'${EVERY_BYTE}', '{"emoji": "\\u00e9 😀", "quote": "\\\\"", "list": [1, 2.50, null]}',
   '0000-00-00 00:00:00', '2020-00-15', '2024-03-31 02:30:00', 0.1 + 0.2, 42),
  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (7, 'Ölaf', X'00', '[]', '1969-12-31 23:59:59', '0000-00-00', '1970-01-01 00:00:01', -0.0, -1),
  (50, 'deleted', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
DELETE FROM accounts WHERE id = 50;
ALTER TABLE accounts AUTO_INCREMENT = 100;
CREATE TABLE ${ODD_SQL} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT UNSIGNED NOT NULL,
  qty INT NOT NULL CHECK (qty > 0),
  note TEXT NULL,
  CONSTRAINT line_items_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;
INSERT INTO ${ODD_SQL} (account_id, qty, note)
  SELECT IF(seq % 2 = 0, 0, 7), 1 + seq % 9, IF(seq % 5 = 0, NULL, REPEAT('line ', seq % 40)) FROM seq_1_to_500;
`;

/** The accounts with every column, the invisible one too, in a form that compares exactly. */
const ACCOUNTS = (db: string): string =>
  "SELECT id, name, HEX(payload) AS payload, doc, CAST(born AS CHAR) AS born, CAST(seen AS CHAR) AS seen, " +
  "CAST(ts AS CHAR) AS ts, HEX(CAST(ratio AS BINARY)) AS ratio_text, ratio, name_upper, doubled, secret " +
  `FROM \`${db}\`.accounts ORDER BY id`;

describe("parallel-dump copies the rows inside the server", () => {
  const server = useCloneServer({
    databases: [MASTER, ...Object.values(TARGETS)],
    dropFirst: true,
    prepare: async ({ conn }) => {
      await conn.query(`CREATE DATABASE ${MASTER}; USE ${MASTER}; ${SOURCE_SQL} USE mysql;`);
      for (const target of Object.values(TARGETS)) await createEmptyDatabase(conn, target);
    },
  });
  const { rows } = server;

  const autoIncrements = (db: string): Promise<Rows> =>
    rows(
      "SELECT TABLE_NAME AS name, AUTO_INCREMENT AS next FROM information_schema.TABLES " +
        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_forge_previews_clone' ORDER BY TABLE_NAME",
      [db],
    );
  const workDirsOf = (target: string): string[] =>
    readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${target}.`));

  it("keeps ids 0, AUTO_INCREMENT, zero dates, NULLs, bytes, JSON, invisible and generated columns exactly", async () => {
    const from = server.runner.calls.length;
    const result = await cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, TARGETS.exact, { method: "parallel-dump" }),
    );

    const source = await rows(ACCOUNTS(MASTER));
    expect(source[0]).toMatchObject({ id: 0, born: "0000-00-00 00:00:00", seen: "2020-00-15", secret: 42 });
    expect(source[0]?.payload).toBe(EVERY_BYTE.toUpperCase());
    expect(await rows(ACCOUNTS(TARGETS.exact))).toStrictEqual(source);
    const odd = (db: string) => rows(`SELECT * FROM \`${db}\`.${ODD_SQL} ORDER BY id`);
    expect(await odd(TARGETS.exact)).toStrictEqual(await odd(MASTER));
    expect(await odd(MASTER)).toHaveLength(500);
    expect(await autoIncrements(TARGETS.exact)).toStrictEqual(await autoIncrements(MASTER));
    expect((await autoIncrements(MASTER))[0]).toMatchObject({ name: "accounts", next: "100" });
    expect(await readTables(server.conn, TARGETS.exact)).toStrictEqual(await readTables(server.conn, MASTER));
    expect(result).toMatchObject({ method: "parallel-dump", verifiedWith: "checksum", rows: 503 });
    expect(result.tables.map((t) => t.name)).toStrictEqual(["accounts", ODD]);

    // Every dump of the source is of its definitions; the rows went by INSERT ... SELECT, generated columns left out.
    const script = server.runner.calls
      .slice(from)
      .map((call) => call.stdin)
      .join("\n");
    const dumps = script.split("\n").filter((line) => /mariadb-dump|mysqldump/.test(line));
    expect(dumps.length).toBeGreaterThan(0);
    expect(dumps.filter((line) => !line.includes("'--no-data'"))).toStrictEqual([]);
    expect(script).toContain(
      `INSERT INTO \`${TARGETS.exact}\`.\`accounts\` (\`id\`, \`name\`, \`payload\`, \`doc\`, \`born\`, \`seen\`, \`ts\`, ` +
        `\`ratio\`, \`secret\`) SELECT \`id\`, \`name\`, \`payload\`, \`doc\`, \`born\`, \`seen\`, \`ts\`, \`ratio\`, ` +
        `\`secret\` FROM \`${MASTER}\`.\`accounts\`;`,
    );
    expect(script).toContain(`INSERT INTO \`${TARGETS.exact}\`.${ODD_SQL} (`);

    // The clone's counter continues where the source's would.
    await server.conn.query(`INSERT INTO \`${TARGETS.exact}\`.accounts (name) VALUES ('next')`);
    expect(await rows(`SELECT id FROM \`${TARGETS.exact}\`.accounts WHERE name = 'next'`)).toStrictEqual([{ id: 100 }]);
  });

  it("a session killed midway fails the clone naming its tables, marks the target failed, and the next clone starts over", async () => {
    const locker = await connectAsRoot();
    let outcome: unknown;
    try {
      // The copy of `accounts` waits for this lock, so it can be caught running and killed.
      await locker.query(`LOCK TABLES ${MASTER}.accounts WRITE`);
      const cloning = cloneDatabase(
        server.runner,
        previewCloneOptions(MASTER, TARGETS.killed, { method: "parallel-dump" }),
      ).then(
        () => null,
        (error: unknown) => error,
      );
      const waiting = `INSERT INTO \`${TARGETS.killed}\`.\`accounts\`%`;
      let copying: Rows = [];
      while (copying.length === 0) {
        copying = await rowsOf(server.conn, "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", [
          waiting,
        ]);
        if (copying.length === 0 && (await Promise.race([cloning, Promise.resolve("running")])) !== "running")
          throw new Error("the clone ended before its copy of `accounts` was seen waiting");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.conn.query(`KILL ${Number(copying[0]?.id)}`);
      await locker.query("UNLOCK TABLES");
      outcome = await cloning;
    } finally {
      await locker.end();
    }

    expect(outcome).toBeInstanceOf(RemoteCommandError);
    expect((outcome as Error).message).toMatch(
      new RegExp(
        `^Copying the rows of \`accounts\` from \`${MASTER}\` failed \\(exit 1\\): ERROR 2013 .*Lost connection`,
      ),
    );
    expect(await rows(`SELECT status FROM ${TARGETS.killed}._forge_previews_clone`)).toStrictEqual([
      { status: "failed" },
    ]);
    expect(workDirsOf(TARGETS.killed)).toStrictEqual([]);

    const again = await cloneDatabase(
      server.runner,
      previewCloneOptions(MASTER, TARGETS.killed, { method: "parallel-dump" }),
    );
    expect(again.rows).toBe(503);
    expect(await rows(ACCOUNTS(TARGETS.killed))).toStrictEqual(await rows(ACCOUNTS(MASTER)));
    expect(await readTables(server.conn, TARGETS.killed)).toStrictEqual(await readTables(server.conn, MASTER));
  });
});
