import { readdirSync } from "node:fs";
import { CloneRefusedError, cloneDatabase, findNameProblems } from "../../../../providers/db-clone";
import { isPreviewDatabaseName } from "../../../../providers/common/ownership";
import { createEmptyDatabase, createMaster, listDatabases, readServerState } from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { previewCloneOptions, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(90_000);

const MASTER = "guards_master";
const PRODUCTION = "guards_production";
const FOREIGN = "guardapp_pr_1";
const MARKED_BY_OTHER = "guardapp_pr_2";
const MISSING = "guardapp_pr_404";
const EMPTY = "guardapp_pr_3";
const LIMITED_USER = "guards_limited";
const LIMITED_PASSWORD = "limited-pw-9f3c";
const ALL = [MASTER, PRODUCTION, FOREIGN, MARKED_BY_OTHER, MISSING, EMPTY];

describe("findNameProblems", () => {
  const rules = (source: string, target: string) => ({
    source,
    target,
    protectedDatabases: ["shop", "shop_master"],
    isAllowedTarget: isPreviewDatabaseName,
    targetRule: "a preview database name",
  });

  it.each<[string, string, string, string[]]>([
    ["a master into a PR database", "shop_master", "shop_pr_7", []],
    [
      "into production",
      "shop_master",
      "shop",
      [
        "target database `shop` is not a preview database name, so it is never written",
        "target database `shop` is listed in `protectedDatabases` (production or a snapshot master) and is never written",
      ],
    ],
    ["into the source itself", "shop_pr_7", "shop_pr_7", ["target database `shop_pr_7` is the source itself"]],
    ["into a protected PR-looking name", "shop_master", "shop_pr_1", []],
    [
      "from a system schema",
      "mysql",
      "shop_pr_7",
      ["source database `mysql` is a system schema of the server; name the master database to clone"],
    ],
    [
      "into a name with quotes",
      "shop_master",
      "x`; DROP",
      ['target database "x`; DROP" must be 1-64 letters, digits or underscores'],
    ],
  ])("%s", (_case, source, target, expected) => {
    expect(findNameProblems(rules(source, target))).toStrictEqual(expected);
  });

  it("treats protected names case-insensitively, as MySQL does with lower_case_table_names", () => {
    expect(findNameProblems({ ...rules("shop_master", "shop_pr_1"), protectedDatabases: ["SHOP_PR_1"] })).toStrictEqual(
      [
        "target database `shop_pr_1` is listed in `protectedDatabases` (production or a snapshot master) and is never written",
      ],
    );
  });
});

describe("cloneDatabase guards against real MariaDB", () => {
  const { mariadb } = testServices();
  const server = useCloneServer({
    databases: ALL,
    dropFirst: true,
    user: { name: LIMITED_USER, password: LIMITED_PASSWORD },
    prepare: async ({ conn }) => {
      await createMaster(conn, { name: MASTER });
      await createMaster(conn, { name: PRODUCTION });
      await createEmptyDatabase(conn, FOREIGN);
      await conn.query(
        `CREATE TABLE ${FOREIGN}.users (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO ${FOREIGN}.users VALUES (1, 'someone')`,
      );
      await createEmptyDatabase(conn, MARKED_BY_OTHER);
      await conn.query(
        `CREATE TABLE ${MARKED_BY_OTHER}._forge_previews_clone (id TINYINT PRIMARY KEY, owner VARCHAR(255), source VARCHAR(64), ` +
          "reset_token_sha256 CHAR(64), status VARCHAR(16), started_at DATETIME(6), finished_at DATETIME(6), data_as_of DATETIME(6), result LONGTEXT);" +
          `INSERT INTO ${MARKED_BY_OTHER}._forge_previews_clone VALUES (1, 'forge-previews-other-pr-2', '${MASTER}', REPEAT('0', 64), 'verified', NOW(), NOW(), NULL, NULL);` +
          `CREATE TABLE ${MARKED_BY_OTHER}.notes (id INT PRIMARY KEY); INSERT INTO ${MARKED_BY_OTHER}.notes VALUES (1), (2);`,
      );
      await createEmptyDatabase(conn, EMPTY);
      await conn.query(`GRANT SELECT, LOCK TABLES ON ${MASTER}.* TO '${LIMITED_USER}'@'localhost'`);
      await conn.query(`GRANT ALL ON ${EMPTY}.* TO '${LIMITED_USER}'@'localhost'`);
    },
  });

  const leftoverWorkDirs = (): string[] =>
    readdirSync("/tmp").filter((name) => name.startsWith("forge-previews-clone-guardapp"));

  /** Runs a clone that must be refused and proves the server is exactly as before. */
  async function expectRefusal(run: () => Promise<unknown>, message: RegExp): Promise<void> {
    const databasesBefore = await listDatabases(server.conn);
    const before = await readServerState(server.conn, ALL);

    const outcome = await run().then(
      () => "cloned",
      (error: unknown) => error,
    );

    expect(outcome).toBeInstanceOf(CloneRefusedError);
    expect((outcome as Error).message).toMatch(message);
    expect(await listDatabases(server.conn)).toStrictEqual(databasesBefore);
    expect(await readServerState(server.conn, ALL)).toStrictEqual(before);
    expect(leftoverWorkDirs()).toStrictEqual([]);
  }

  it("refuses a production database as target before connecting to anything", async () => {
    const callsBefore = server.runner.calls.length;

    await expectRefusal(
      () =>
        cloneDatabase(
          server.runner,
          previewCloneOptions(MASTER, PRODUCTION, { protectedDatabases: [MASTER, PRODUCTION] }),
        ),
      /^Refusing to clone `guards_master` into `guards_production`: target database `guards_production` is not a preview database name `<app>_pr_<n>`, so it is never written; target database `guards_production` is listed in `protectedDatabases`/,
    );
    expect(server.runner.calls.length).toBe(callsBefore);
  });

  it("refuses a PR-named target listed as protected", async () => {
    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions(MASTER, EMPTY, { protectedDatabases: [EMPTY] })),
      /target database `guardapp_pr_3` is listed in `protectedDatabases`/,
    );
  });

  it("refuses a non-empty target without this stack's mark, naming the database and what it holds", async () => {
    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions(MASTER, FOREIGN)),
      /^Refusing to clone `guards_master` into `guardapp_pr_1`: it holds 1 object \(`users`\) and no clone mark of this stack \(`forge-previews-test-guardapp_pr_1`\)/,
    );
  });

  it("refuses a target marked as another stack's clone, naming that owner", async () => {
    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions(MASTER, MARKED_BY_OTHER)),
      /into `guardapp_pr_2`: it carries the clone mark of `forge-previews-other-pr-2`, not this stack's/,
    );
  });

  it("refuses a missing source, naming it", async () => {
    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions("guards_no_such_master", EMPTY)),
      /^Refusing to clone into `guardapp_pr_3`: source database `guards_no_such_master` does not exist on the server/,
    );
  });

  it("refuses a target that does not exist instead of creating it", async () => {
    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions(MASTER, MISSING)),
      /target database `guardapp_pr_404` does not exist; create it first \(a preview's ForgeDatabase does/,
    );
  });

  it("refuses an account that cannot see the source's triggers, events and views", async () => {
    const access = { user: LIMITED_USER, password: LIMITED_PASSWORD, socket: mariadb.socket, dataDir: null };

    await expectRefusal(
      () => cloneDatabase(server.runner, previewCloneOptions(MASTER, EMPTY, { access })),
      new RegExp(
        `^Refusing to clone \`${MASTER}\`: the MySQL account ${LIMITED_USER}@localhost lacks SHOW VIEW, TRIGGER, EVENT on it`,
      ),
    );
  });
});
