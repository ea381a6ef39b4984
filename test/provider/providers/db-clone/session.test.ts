import type { Connection } from "mysql2/promise";
import { RemoteCommandError } from "../../../../providers/db-clone/errors";
import { parseServerFacts } from "../../../../providers/db-clone/server-facts";
import { withCloneSession } from "../../../../providers/db-clone/session";
import type { SshSession } from "../../../../providers/ssh";
import { connectAsRoot, createMaster, dropDatabases } from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import { type RecordingRunner, openRunner, rootAccess } from "../../../support/db-clone";

jest.setTimeout(60_000);

const MASTER = "sessioneng_master";

describe("withCloneSession", () => {
  let conn: Connection;
  let runner: RecordingRunner;
  let session: SshSession;

  beforeAll(async () => {
    conn = await connectAsRoot();
    await createMaster(conn, { name: MASTER });
    ({ runner, session } = await openRunner());
  });

  afterAll(async () => {
    await dropDatabases(conn, MASTER);
    await conn?.end();
    await session?.close();
  });

  it("makes the work directory, writes the option file and reads the server's facts and every inventory in one round trip", async () => {
    const before = runner.calls.length;
    const seen = await withCloneSession(
      runner,
      { access: rootAccess(), workDirFor: "sessioneng_pr_1", grantsFor: MASTER, schemas: [MASTER, "sessioneng_pr_1"] },
      async ({ facts, inventories, workDir }) => ({
        calls: runner.calls.length - before,
        account: facts.account,
        flavor: facts.flavor,
        privileges: facts.sourcePrivileges.has("RELOAD"),
        tables: inventories.get(MASTER)?.tables.map((t) => t.name),
        missing: inventories.get("sessioneng_pr_1"),
        workDir,
      }),
    );

    expect(seen).toStrictEqual({
      calls: 1,
      account: "root@localhost",
      flavor: "mariadb",
      privileges: true,
      tables: ["audit_log", "customers", "migrations", "orders", "order_items", "products"],
      missing: null,
      workDir: expect.stringMatching(/^\/tmp\/forge-previews-clone-sessioneng_pr_1\.[A-Za-z0-9]{8}$/),
    });
  });

  it("lists a database's tablespace files in the same round trip, and says null for one without a directory", async () => {
    const open = (listFilesOf: string) =>
      withCloneSession(
        runner,
        { access: rootAccess(), workDirFor: "sessioneng_pr_3", grantsFor: MASTER, schemas: [MASTER], listFilesOf },
        async (s) => ({
          files:
            s.tablespaceFiles === null || s.tablespaceFiles === undefined
              ? s.tablespaceFiles
              : [...s.tablespaceFiles].sort(),
          dataDir: s.facts.dataDir,
        }),
      );
    const before = runner.calls.length;
    const master = await open(MASTER);
    const missing = await open("sessioneng_nothing_here");

    // Each session: the one opening round trip, then removing its work directory.
    expect(runner.calls.length - before).toBe(4);
    expect(master).toStrictEqual({
      files: ["audit_log", "customers", "migrations", "order_items", "orders", "products"],
      dataDir: testServices().mariadb.dataDir,
    });
    expect(missing.files).toBeNull();
    await expect(open("bad name;rm")).rejects.toThrow(
      'tablespace files are only listed for plain database names, not "bad name;rm"',
    );
  });

  it("names the step and MySQL's error when the account cannot log in, without the password, and removes the work directory", async () => {
    const wrong = { ...rootAccess(), password: "not-the-password-7f3a" };
    const error = await withCloneSession(
      runner,
      { access: wrong, workDirFor: "sessioneng_pr_2", grantsFor: MASTER, schemas: [MASTER] },
      async () => "opened",
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteCommandError);
    expect((error as Error).message).toMatch(
      /^Reading the server's settings, this account's privileges and the objects of `sessioneng_master` failed \(exit 1\): ERROR 1045 \(28000\): Access denied for user 'root'@'localhost'/,
    );
    expect((error as Error).message).not.toContain("not-the-password-7f3a");
    const left = await session.exec([
      "sh",
      "-c",
      "ls -d /tmp/forge-previews-clone-sessioneng_pr_2.* 2>/dev/null | wc -l",
    ]);
    expect(left.stdout.trim()).toBe("0");
  });
});

describe("parseServerFacts", () => {
  const shell = {
    clients: { mysql: "/usr/bin/mysql", dump: "/usr/bin/mysqldump" },
    fileAccess: "sudo" as const,
    sudoAsksPassword: false,
  };
  const rows = (logBin: string) => [
    ["server", "8.0.36", "MySQL Community Server - GPL", "/var/lib/mysql/", "1", logBin, "forge@localhost"],
    ["global", "RELOAD"],
  ];

  it("skips the binary log only when it is on and the account may turn it off for its session", () => {
    expect(parseServerFacts(rows("1"), shell, null, true).canSkipBinlog).toBe(true);
    expect(parseServerFacts(rows("1"), shell, null, false).canSkipBinlog).toBe(false);
    expect(parseServerFacts(rows("0"), shell, null, true).canSkipBinlog).toBe(false);
  });

  it("reads the flavour, the datadir without its slash (or the configured one) and the privileges", () => {
    const facts = parseServerFacts(rows("1"), shell, null, true);
    expect({
      flavor: facts.flavor,
      dataDir: facts.dataDir,
      binlog: facts.binlog,
      reload: facts.globalPrivileges.has("RELOAD"),
    }).toStrictEqual({
      flavor: "mysql",
      dataDir: "/var/lib/mysql",
      binlog: true,
      reload: true,
    });
    expect(parseServerFacts(rows("1"), shell, "/data/mysql/", true).dataDir).toBe("/data/mysql");
  });
});
