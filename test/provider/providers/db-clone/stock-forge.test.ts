import { readdirSync } from "node:fs";
import { describeClonePlan } from "../../../../cli/commands/doctor";
import { type CloneResult, cloneDatabase, planCloneOf } from "../../../../providers/db-clone";
import { createMaster, listDatabases, readContents } from "../../../support/master-fixture";
import { testServices } from "../../../support/services";
import {
  type RecordingRunner,
  previewCloneOptions,
  removeExportLocks,
  useCloneServer,
} from "../../../support/db-clone";
import {
  AsUserRunner,
  SUDO_USER_SKIP_REASON,
  type SudoUser,
  createSudoUser,
  openPathTo,
  removeSudoUser,
} from "../../../support/sudo-user";

jest.setTimeout(120_000);

const MASTER = "stockforge_master";
const TARGETS = { plain: "stockf_pr_1", sudo: "stockf_pr_2", wrong: "stockf_pr_3", stream: "stockf_pr_4" };

const describeAsRoot = SUDO_USER_SKIP_REASON === null ? describe : describe.skip;

describeAsRoot(
  `cloneDatabase as a stock Forge server's SSH user, whose sudo asks for a password${SUDO_USER_SKIP_REASON === null ? "" : ` (skipped: ${SUDO_USER_SKIP_REASON})`}`,
  () => {
    const { mariadb } = testServices();
    let user: SudoUser;
    let closePath: () => void;
    const server = useCloneServer({
      databases: [MASTER, ...Object.values(TARGETS)],
      dropFirst: true,
      exportLocks: [MASTER],
      prepare: async ({ conn }) => {
        await createMaster(conn, { name: MASTER, scale: 2, fulltext: true });
      },
    });
    beforeAll(() => {
      user = createSudoUser("fpvsu");
      closePath = openPathTo(mariadb.socket);
    });
    afterAll(() => {
      closePath?.();
      if (user !== undefined) removeSudoUser(user);
      removeExportLocks(MASTER);
    });

    /** Clones as the user (with `sudoPassword` when given) and keeps every log line. */
    async function cloneAsUser(
      target: string,
      sudoPassword?: string,
    ): Promise<{ result: CloneResult; logs: string[]; calls: RecordingRunner["calls"] }> {
      const logs: string[] = [];
      const from = server.runner.calls.length;
      const options = previewCloneOptions(MASTER, target, { createTarget: true, log: (line) => logs.push(line) });
      const result = await cloneDatabase(new AsUserRunner(server.runner, user), {
        ...options,
        access: { ...options.access, sudoPassword },
      });
      return { result, logs, calls: server.runner.calls.slice(from) };
    }

    function workDirsOf(target: string): string[] {
      return readdirSync("/tmp").filter((name) => name.startsWith(`forge-previews-clone-${target}.`));
    }

    it("without sudoPassword, auto does not use transport and says that sudo asks for a password", async () => {
      const { result } = await cloneAsUser(TARGETS.plain);

      expect(result.method).toBe("parallel-dump");
      expect(result.reason).toContain(
        "the SSH user's sudo asks for a password (set sudoPassword for the tablespace copy)",
      );
      expect((await readContents(server.conn, TARGETS.plain))?.tables).toMatchObject(
        (await readContents(server.conn, MASTER))?.tables ?? { missing: true },
      );
    });

    it("with sudoPassword, auto copies the tablespaces through sudo and the password is on no command line, log or result", async () => {
      const { result, logs, calls } = await cloneAsUser(TARGETS.sudo, user.password);

      expect(result.method).toBe("transport");
      expect(result.reason).toContain("the SSH user has sudo with the sudoPassword");
      expect(result.tables.filter((t) => t.copiedBy === "file").length).toBeGreaterThan(5);
      const { _forge_previews_clone: mark, ...cloneTables } =
        (await readContents(server.conn, TARGETS.sudo))?.tables ?? {};
      expect(mark?.rows).toBe(1);
      expect(cloneTables).toStrictEqual((await readContents(server.conn, MASTER))?.tables);
      // Only the work directory's setup receives it, on stdin; no argv, log line or result holds it.
      expect(calls.filter((call) => call.stdin.includes(user.password))).toHaveLength(1);
      expect(calls.filter((call) => call.argv.join(" ").includes(user.password))).toStrictEqual([]);
      expect(logs.filter((line) => line.includes(user.password))).toStrictEqual([]);
      expect(JSON.stringify(result)).not.toContain(user.password);
      expect(workDirsOf(TARGETS.sudo)).toStrictEqual([]);
    });

    it("doctor's clone method line says which method the user gets and why, with and without sudoPassword", async () => {
      const runner = new AsUserRunner(server.runner, user);
      const access = previewCloneOptions(MASTER, TARGETS.plain).access;
      const plan = async (sudoPassword?: string) =>
        describeClonePlan(
          user.name,
          MASTER,
          await planCloneOf(runner, { access: { ...access, sudoPassword }, source: MASTER }),
        );

      expect(await plan()).toBe(
        `parallel-dump for \`${MASTER}\` as ${user.name}: no transport: the SSH user's sudo asks for a password ` +
          "(set sudoPassword for the tablespace copy); the rows of 7 tables are copied inside the server by INSERT ... SELECT " +
          "(no client formats or parses them)",
      );
      expect(await plan(user.password)).toMatch(
        new RegExp(
          `^transport for \`${MASTER}\` as ${user.name}: transportable tablespaces are possible \\(the SSH user has sudo with the sudoPassword, `,
        ),
      );
    });

    it("with a wrong sudoPassword, fails naming sudoPassword and the fix before creating anything", async () => {
      const wrong = `${user.password}-not`;
      const error = await cloneAsUser(TARGETS.wrong, wrong).then(
        () => null,
        (e: unknown) => e as Error,
      );

      expect(error?.message).toMatch(
        /^sudo refused the SSH user's sudo password \(sudoPassword\): .*incorrect password/,
      );
      expect(error?.message).toContain("`pulumi config set --secret sudoPassword`");
      expect(error?.message).not.toContain(wrong);
      expect(await listDatabases(server.conn)).not.toContain(TARGETS.wrong);
      expect(workDirsOf(TARGETS.wrong)).toStrictEqual([]);
    });

    it("without file access, parallel-dump copies the rows inside the server by INSERT ... SELECT", async () => {
      const { result, calls } = await cloneAsUser(TARGETS.stream);

      expect(result.reason).toContain("the rows of 7 tables are copied inside the server by INSERT ... SELECT");
      expect(calls.some((call) => call.stdin.includes(`INSERT INTO \`${TARGETS.stream}\`.\`audit_log\` (`))).toBe(true);
      expect(result.verifiedWith).toBe("checksum");
      const { _forge_previews_clone: mark, ...cloneTables } =
        (await readContents(server.conn, TARGETS.stream))?.tables ?? {};
      expect(mark?.rows).toBe(1);
      expect(cloneTables).toStrictEqual((await readContents(server.conn, MASTER))?.tables);
    });
  },
);
