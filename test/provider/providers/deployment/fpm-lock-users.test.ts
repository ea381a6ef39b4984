import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildDeploymentScript } from "../../../../providers/deployment/script";

/**
 * The deploy script's PHP-FPM reload, run as two different Linux users the way two isolated sites on one server run
 * it. Forge's stock `9>/tmp/fpmlock` leaves a 0644 file owned by the first user, which the second cannot open for
 * writing, and `set -e` then fails its deployment.
 */
const SKIP_REASON =
  process.getuid?.() !== 0
    ? "needs root to create two throwaway Linux users"
    : spawnSync("setpriv", ["--version"]).status !== 0 || spawnSync("useradd", ["--help"]).status !== 0
      ? "needs `setpriv` and `useradd`"
      : null;

/** The `( flock … ) 9…` block of the generated script, which is what differs between users. */
function lockFragment(): string {
  const lines = buildDeploymentScript({
    siteDirectory: "/home/pr7/pr-7.example.dev",
    branch: "main",
    commitSha: null,
    phpVersion: "php84",
    extraScriptLines: [],
  }).split("\n");
  const start = lines.findIndex((line) => line.startsWith("( flock"));
  const end = lines.findIndex((line, index) => index >= start && line.includes("reload )"));
  if (start < 0 || end < 0) throw new Error("the generated script has no flock block around the FPM reload");
  return lines.slice(start, end + 1).join("\n");
}

interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** Runs the fragment as `user` under `set -e`, with `sudo` replaced by a recorder that appends to `log`. */
function fragmentCommand(user: TestUser, log: string, holdSeconds: number): { command: string; args: string[] } {
  const script = [
    "set -e",
    `sudo() { echo "$(id -un) start" >> '${log}'; sleep ${holdSeconds}; echo "$(id -un) end" >> '${log}'; }`,
    "FORGE_PHP_FPM=php8.4-fpm",
    lockFragment(),
    "echo deployed",
  ].join("\n");
  return {
    command: "setpriv",
    args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--reset-env", "bash", "-c", script],
  };
}

function runAs(user: TestUser, log: string): { status: number | null; stdout: string; stderr: string } {
  const { command, args } = fragmentCommand(user, log, 0);
  const result = spawnSync(command, args, { cwd: "/", encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runAsAsync(user: TestUser, log: string, holdSeconds: number): Promise<number | null> {
  const { command, args } = fragmentCommand(user, log, holdSeconds);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: "/", stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

const describeAsRoot = SKIP_REASON === null ? describe : describe.skip;

describeAsRoot(
  `the FPM reload lock run by two isolated users in turn${SKIP_REASON === null ? "" : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    const users: TestUser[] = [];
    let workdir: string;
    let log: string;

    beforeAll(() => {
      for (const suffix of ["a", "b"]) {
        const name = `fpvlk${process.pid}${suffix}`;
        execFileSync("useradd", [
          "--no-create-home",
          "--home-dir",
          "/nonexistent",
          "--shell",
          "/usr/sbin/nologin",
          "--user-group",
          name,
        ]);
        const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
        const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
        users.push({ name, uid, gid });
      }
      workdir = fs.mkdtempSync(path.join(os.tmpdir(), "fpm-lock-"));
      fs.chmodSync(workdir, 0o777);
      log = path.join(workdir, "reloads.log");
    });

    afterAll(() => {
      // Today's stock line would have left /tmp/fpmlock owned by one of these users; nothing else of theirs remains.
      const stock = "/tmp/fpmlock";
      if (fs.existsSync(stock) && users.some((user) => fs.statSync(stock).uid === user.uid)) fs.rmSync(stock);
      for (const user of users) spawnSync("userdel", [user.name]);
      if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
    });

    beforeEach(() => {
      fs.writeFileSync(log, "");
      fs.chmodSync(log, 0o666);
    });

    it("reloads FPM for the second user after the first, where Forge's stock /tmp/fpmlock refuses the second", () => {
      const [first, second] = users;

      const firstRun = runAs(first!, log);
      const secondRun = runAs(second!, log);

      expect({ status: firstRun.status, stderr: firstRun.stderr }).toStrictEqual({ status: 0, stderr: "" });
      expect({ status: secondRun.status, stderr: secondRun.stderr }).toStrictEqual({ status: 0, stderr: "" });
      expect(secondRun.stdout).toBe("Restarting FPM...\ndeployed\n");
      expect(fs.readFileSync(log, "utf8")).toBe(
        `${first!.name} start\n${first!.name} end\n${second!.name} start\n${second!.name} end\n`,
      );
    });

    it("still serialises two users' reloads that run at the same time", async () => {
      const [first, second] = users;

      const exits = await Promise.all([runAsAsync(first!, log, 1), runAsAsync(second!, log, 1)]);

      expect(exits).toStrictEqual([0, 0]);
      const events = fs.readFileSync(log, "utf8").trim().split("\n");
      expect(events).toHaveLength(4);
      // Each reload ends before the other starts: start/end pairs of one user are adjacent.
      expect(events[0]!.split(" ")[0]).toBe(events[1]!.split(" ")[0]);
      expect(events[2]!.split(" ")[0]).toBe(events[3]!.split(" ")[0]);
      expect(events.filter((event) => event.endsWith(" start"))).toHaveLength(2);
    });
  },
);
