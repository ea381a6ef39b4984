// Stack locks: Pulumi's lock failure read into holders, which holders count as gone, and what `up`/`destroy` do with
// them, against a stand-in `pulumi` that fails with the real CLI's lock message until `pulumi cancel` runs.
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  FOREIGN_LOCK_MAX_AGE_MINUTES,
  type LockJudge,
  StackLockedError,
  isPulumiRunning,
  judgeLock,
  parseLockFailure,
  runClearingStaleLocks,
} from "../../../cli/pulumi/locks";
import { main } from "../../../cli/main";
import { PulumiCli } from "../../../cli/pulumi/runner";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Printed by pulumi 3.276 `up` on a file:// backend after a `pulumi up` was killed with SIGKILL (twice, as it does). */
const LOCKED = (pid: number, host = "vm", at = "2026-12-07T16:59:51Z") => {
  const message =
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
    `  file:///tmp/b/.pulumi/locks/organization/forge-previews/pr-7/45703023-fc4a-4a91-a90e-646d27af8cce.json?no_tmp_dir=true: created by root@${host} (pid ${pid}) at ${at}\n`;
  return message + message;
};

const NOW = new Date("2026-12-07T18:00:00Z");
const judge = (running: number[] = []): LockJudge => ({
  hostname: "vm",
  now: NOW,
  isPulumiRunning: (pid) => running.includes(pid),
});

describe("parseLockFailure", () => {
  it("reads each holder of Pulumi's lock failure once, with user, host, pid and time", () => {
    expect(parseLockFailure(LOCKED(2499))).toEqual([
      {
        url: "file:///tmp/b/.pulumi/locks/organization/forge-previews/pr-7/45703023-fc4a-4a91-a90e-646d27af8cce.json?no_tmp_dir=true",
        username: "root",
        hostname: "vm",
        pid: 2499,
        takenAt: new Date("2026-12-07T16:59:51Z"),
      },
    ]);
  });

  it("takes the hostname after the last @ when the username holds one", () => {
    const text = LOCKED(5).replace(/root@vm/g, "ci@corp@runner-1");
    expect(parseLockFailure(text)?.[0]).toMatchObject({ username: "ci@corp", hostname: "runner-1" });
  });

  it("returns null for any other failure, and no holders when a holder line cannot be read", () => {
    expect(parseLockFailure("error: no stack named 'pr-7' found")).toBeNull();
    expect(
      parseLockFailure(
        "error: the stack is currently locked by 2 lock(s).\n  x: created by a@b (pid 1) at 2026-01-01T00:00:00Z",
      ),
    ).toEqual([]);
  });
});

describe("judgeLock", () => {
  const lock = (host: string, minutesAgo: number) => ({
    url: "u",
    username: "root",
    hostname: host,
    pid: 42,
    takenAt: new Date(NOW.getTime() - minutesAgo * 60_000),
  });

  it("counts a lock of this machine stale once its pulumi is gone, however young", () => {
    expect(judgeLock(lock("vm", 1), judge())).toMatchObject({ stale: true, reason: "no longer runs on this machine" });
    expect(judgeLock(lock("vm", 600), judge([42]))).toMatchObject({
      stale: false,
      reason: "still runs on this machine",
    });
  });

  it("counts a lock of another machine stale only past the longest job's timeout", () => {
    expect(judgeLock(lock("runner-1", FOREIGN_LOCK_MAX_AGE_MINUTES), judge()).stale).toBe(false);
    expect(judgeLock(lock("runner-1", FOREIGN_LOCK_MAX_AGE_MINUTES + 1), judge())).toMatchObject({
      stale: true,
      reason: expect.stringContaining("121 min ago"),
    });
  });
});

describe("isPulumiRunning", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "locks-pid-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is true for a live process named pulumi and false once it is gone or for a pid another program holds", async () => {
    // The kernel names a process after the file it runs, as the real binary is named pulumi.
    symlinkSync("/bin/sleep", path.join(dir, "pulumi"));
    const pulumi = spawn(path.join(dir, "pulumi"), ["30"], { stdio: "ignore" });
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      expect(isPulumiRunning(pulumi.pid ?? 0)).toBe(true);
      expect(isPulumiRunning(other.pid ?? 0)).toBe(false);
      expect(isPulumiRunning(process.pid)).toBe(false);
    } finally {
      pulumi.kill("SIGKILL");
      other.kill("SIGKILL");
    }
    await new Promise((resolve) => pulumi.once("exit", resolve));
    expect(isPulumiRunning(pulumi.pid ?? 0)).toBe(false);
  });
});

// Fails with the lock message while $FAKE_DIR/locked holds a pid; `cancel` removes it. Every call is logged.
const FAKE_PULUMI = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
if [ "$1" = cancel ]; then rm -f "$FAKE_DIR/locked"; echo "The currently running update for '$3' has been canceled!"; exit 0; fi
if [ -f "$FAKE_DIR/locked" ]; then cat "$FAKE_DIR/locked" >&2; exit 255; fi
echo '{"type":"summary"}'
echo "warning: something the engine says" >&2
`;

describe("runClearingStaleLocks", () => {
  let dir: string;
  let cli: PulumiCli;
  const calls = (): string[] => readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "locks-run-"));
    writeFileSync(path.join(dir, "pulumi"), FAKE_PULUMI);
    chmodSync(path.join(dir, "pulumi"), 0o755);
    cli = new PulumiCli({ cwd: dir, binDir: dir, env: { PATH: process.env.PATH ?? "", FAKE_DIR: dir } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("clears a lock whose pulumi is gone with `pulumi cancel`, says so, and runs the command again", async () => {
    writeFileSync(path.join(dir, "locked"), LOCKED(2499));
    const log: string[] = [];
    const stderr: string[] = [];

    const result = await runClearingStaleLocks(
      cli,
      "pr-7",
      ["destroy", "--stack", "pr-7"],
      { onStderrLine: (l) => stderr.push(l) },
      (l) => log.push(l),
      judge(),
    );

    expect(result.exitCode).toBe(0);
    expect(calls()).toEqual([
      "destroy --stack pr-7 --non-interactive --color never",
      "cancel --stack pr-7 --yes --non-interactive --color never",
      "destroy --stack pr-7 --non-interactive --color never",
    ]);
    expect(log).toEqual([
      "stack pr-7 was locked by root@vm (pid 2499, since 2026-12-07T16:59:51.000Z), which no longer runs on this machine; clearing the lock with `pulumi cancel`",
    ]);
    // The lock failure is reported once, by the log line; the engine's own stderr still comes through.
    expect(stderr).toEqual(["warning: something the engine says"]);
  });

  it("leaves a lock whose pulumi still runs and names the command that clears it", async () => {
    writeFileSync(path.join(dir, "locked"), LOCKED(2499));

    const run = runClearingStaleLocks(cli, "pr-7", ["up", "--stack", "pr-7"], {}, () => undefined, judge([2499]));

    await expect(run).rejects.toBeInstanceOf(StackLockedError);
    await expect(run).rejects.toThrow(
      /root@vm \(pid 2499, since 2026-12-07T16:59:51.000Z\), which still runs on this machine.*\n.*clear the lock with `forge-previews unlock --stack pr-7`/s,
    );
    expect(calls()).toEqual(["up --stack pr-7 --non-interactive --color never"]);
    expect(existsSync(path.join(dir, "locked"))).toBe(true);
  });

  it("leaves a young lock of another machine, however its pid looks here", async () => {
    writeFileSync(path.join(dir, "locked"), LOCKED(2499, "runner-1", "2026-12-07T17:30:00Z"));

    await expect(runClearingStaleLocks(cli, "pr-7", ["up"], {}, () => undefined, judge())).rejects.toThrow(
      /taken 30 min ago on another machine/,
    );
    expect(existsSync(path.join(dir, "locked"))).toBe(true);
  });

  it("passes any other failure through untouched", async () => {
    writeFileSync(path.join(dir, "locked"), "error: no stack named 'pr-7' found\n");
    const stderr: string[] = [];

    const result = await runClearingStaleLocks(
      cli,
      "pr-7",
      ["up"],
      { onStderrLine: (l) => stderr.push(l) },
      () => undefined,
      judge(),
    );

    expect(result.exitCode).toBe(255);
    expect(stderr).toEqual(["error: no stack named 'pr-7' found"]);
    expect(readdirSync(dir)).toContain("locked");
  });
});

describe("the workflows that run pulumi", () => {
  const dir = path.join(ROOT, ".github", "workflows");

  it("each end every job within the age after which another machine's lock counts as stale", () => {
    const timeouts = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((file) => {
        const doc = parseYaml(readFileSync(path.join(dir, file), "utf8")) as {
          jobs?: Record<string, { "timeout-minutes"?: unknown; uses?: unknown }>;
        };
        // A job that calls a reusable workflow gets that workflow's own timeout.
        return Object.entries(doc.jobs ?? {})
          .filter(([, job]) => job.uses === undefined)
          .map(([id, job]) => ({ job: `${file} ${id}`, minutes: job["timeout-minutes"] }));
      });

    expect(timeouts.length).toBeGreaterThan(0);
    for (const { job, minutes } of timeouts)
      expect({ job, ok: typeof minutes === "number" && minutes <= FOREIGN_LOCK_MAX_AGE_MINUTES }).toEqual({
        job,
        ok: true,
      });
  });
});

describe("forge-previews unlock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "locks-unlock-"));
    writeFileSync(path.join(dir, "pulumi"), FAKE_PULUMI);
    chmodSync(path.join(dir, "pulumi"), 0o755);
    writeFileSync(path.join(dir, "locked"), LOCKED(2499));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function unlock(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      PATH: process.env.PATH ?? "",
      FAKE_DIR: dir,
      PULUMI_CLI_BIN_DIR: dir,
      PULUMI_BACKEND_URL: `file://${dir}/backend`,
      PULUMI_CONFIG_PASSPHRASE: "x",
      FORGE_PREVIEWS_PROJECT_DIR: ROOT,
    };
    const code = await main(["unlock", ...args], { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: dir });
    return { code, out, err };
  }

  it("runs `pulumi cancel` on the stack it names", async () => {
    const { code, out } = await unlock(["--stack", "pr-7"]);

    expect({ code, out }).toEqual({ code: 0, out: ["Stack pr-7 is unlocked."] });
    expect(readFileSync(path.join(dir, "calls"), "utf8")).toBe(
      "cancel --stack pr-7 --yes --non-interactive --color never\n",
    );
    expect(existsSync(path.join(dir, "locked"))).toBe(false);
  });

  it("refuses a stack name this project does not build, before running pulumi", async () => {
    const { code, err } = await unlock(["--stack", "production"]);

    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(/Stack name "production" is not one this project builds/);
    expect(existsSync(path.join(dir, "calls"))).toBe(false);
  });
});
