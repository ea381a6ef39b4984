import { readdirSync } from "node:fs";
import { buildOptionFile } from "../../../../providers/db-clone";
import { RemoteMysql } from "../../../../providers/db-clone/remote-mysql";
import { readShellFacts } from "../../../../providers/db-clone/server-facts";
import { removeLeftoverWorkDirs, withWorkDir } from "../../../../providers/db-clone/work-dir";
import { testServices } from "../../../support/services";
import { useCloneServer } from "../../../support/db-clone";

jest.setTimeout(60_000);

const TRICKY_PASSWORD = `a"b'c#d\\e f;g$h\t(x) `;
const USER = "optfile_tricky";
const workDirs = (target: string): string[] =>
  readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${target}.`));

describe("buildOptionFile", () => {
  it("quotes every value so #, quotes, backslashes, tabs and trailing blanks survive", () => {
    expect(
      buildOptionFile({ user: "forge", password: TRICKY_PASSWORD, socket: "/run/mysqld/mysqld.sock", dataDir: null }),
    ).toBe('[client]\nuser="forge"\npassword="a\\"b\'c#d\\\\e f;g$h\\t(x) "\nsocket="/run/mysqld/mysqld.sock"\n');
  });

  it("leaves out a password and a socket that are not configured", () => {
    expect(buildOptionFile({ user: "root", password: null, socket: null, dataDir: null })).toBe(
      '[client]\nuser="root"\n',
    );
  });

  it("refuses a value with a line break, which would end the option", () => {
    expect(() => buildOptionFile({ user: "root", password: "one\ntwo", socket: null, dataDir: null })).toThrow(
      "the MySQL password contains a line break or NUL, which an option file cannot carry",
    );
  });
});

describe("RemoteMysql over SSH", () => {
  const { mariadb } = testServices();
  const server = useCloneServer({ user: { name: USER, password: TRICKY_PASSWORD } });

  /** MariaDB on the server as the account with the tricky password, through an option file in `dir`. */
  async function openAsTrickyUser(dir: string): Promise<RemoteMysql> {
    const shell = await readShellFacts(server.runner);
    const access = { user: USER, password: TRICKY_PASSWORD, socket: mariadb.socket, dataDir: null };
    return RemoteMysql.open(server.runner, shell.clients, access, dir, 60_000);
  }

  it("logs in with a password full of special characters that only ever travels on stdin into a 0600 file", async () => {
    const seen = await withWorkDir(server.runner, "optfile_pr_1", async (dir) => {
      const mysql = await openAsTrickyUser(dir);
      const [row] = await mysql.query("SELECT CURRENT_USER(), 'tab\there';", { step: "test query" });
      const mode = await mysql.runShell(`stat -c %a ${dir}/client.cnf ${dir}`, "stat");
      return { row, mode: mode.trim().split("\n"), during: workDirs("optfile_pr_1").length };
    });

    expect(seen).toStrictEqual({ row: [`${USER}@localhost`, "tab\there"], mode: ["600", "700"], during: 1 });
    expect(workDirs("optfile_pr_1")).toStrictEqual([]);
    const argvText = server.runner.calls.map((call) => call.argv.join(" ")).join("\n");
    expect(argvText).not.toContain("f;g$h");
    expect(argvText).toContain("--defaults-extra-file=");
    expect(server.runner.calls.filter((call) => call.stdin.includes("f;g$h"))).toHaveLength(1);
  });

  it("reports a failing statement with mysql's error line and no credentials", async () => {
    const failure = await withWorkDir(server.runner, "optfile_pr_2", async (dir) => {
      const mysql = await openAsTrickyUser(dir);
      return mysql
        .query("SELECT * FROM no_such_db.no_such_table;", { step: "Reading a missing table" })
        .catch((error: Error) => error);
    });

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      "Reading a missing table failed (exit 1): ERROR 1142 (42000) at line 1: SELECT command denied to user 'optfile_tricky'@'localhost' for table `no_such_db`.`no_such_table`",
    );
    expect((failure as Error).message).not.toContain("f;g$h");
  });

  it("removes work directories a killed clone left behind, and only those of its target", async () => {
    const made = await server.session.exec([
      "sh",
      "-c",
      "mktemp -d /tmp/forge-previews-clone-optfile_pr_3.XXXXXXXX && mktemp -d /tmp/forge-previews-clone-optfile_pr_33.XXXXXXXX",
    ]);
    const [, other] = made.stdout.trim().split("\n");

    expect(await removeLeftoverWorkDirs(server.runner, "optfile_pr_3")).toBe(1);
    expect(workDirs("optfile_pr_3")).toStrictEqual([]);
    expect(workDirs("optfile_pr_33")).toHaveLength(1);
    await server.session.exec(["rm", "-rf", "--", other ?? "/nonexistent"]);
  });
});
