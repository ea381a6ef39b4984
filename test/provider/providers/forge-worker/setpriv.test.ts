import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { buildWorkerCommand } from "../../../../providers/forge-worker/rules";
import { FORGE_WORKER_INPUTS } from "../../../support/samples";

/**
 * Runs the exact worker command the way Supervisor does (as root, `%` expansion and shlex splitting, exec in
 * `directory`), with a stand-in `artisan` that reports who it runs as and stops gracefully on SIGTERM. www-data is a
 * user with a same-named group, like a Forge isolated user; its home is not under /home, so a directory is made there.
 */
const USER = "www-data";
const PHP_VERSION = "php82";
const canRun =
  process.getuid?.() === 0 &&
  existsSync("/usr/bin/setpriv") &&
  existsSync("/usr/bin/php8.2") &&
  existsSync("/usr/bin/python3");

const FAKE_ARTISAN = `<?php
pcntl_async_signals(true);
pcntl_signal(SIGTERM, function () {
    file_put_contents(__DIR__ . '/stopped', 'finished the current job, exiting');
    exit(0);
});
file_put_contents(__DIR__ . '/report.json', json_encode([
    'pid' => getmypid(),
    'uid' => posix_getuid(),
    'euid' => posix_geteuid(),
    'gid' => posix_getgid(),
    'env' => getenv(),
    'argv' => $argv,
    'cwd' => getcwd(),
]));
while (true) {
    sleep(1);
}
`;

function splitLikeSupervisor(command: string): string[] {
  const script = "import json,shlex,sys\nprint(json.dumps(shlex.split(sys.stdin.read() % {})))";
  return JSON.parse(execFileSync("python3", ["-c", script], { input: command, encoding: "utf8" }));
}

async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fs.readFile(file, "utf8");
    } catch {
      if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

(canRun ? describe : describe.skip)("the worker command run as Supervisor runs it", () => {
  let home: string;
  let createdHome = false;
  let directory: string;
  let child: ChildProcess | undefined;
  let uid: number;
  let gid: number;

  beforeAll(async () => {
    const entry = execFileSync("getent", ["passwd", USER], { encoding: "utf8" }).split(":");
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = `/home/${USER}`;
    createdHome = !existsSync(home);
    await fs.mkdir(home, { recursive: true });
    directory = await fs.mkdtemp(path.join(home, "forge-worker-test-"));
    await fs.writeFile(path.join(directory, "artisan"), FAKE_ARTISAN, { mode: 0o644 });
    await fs.chown(directory, uid, gid);
    await fs.chmod(directory, 0o755);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (directory) await fs.rm(directory, { recursive: true, force: true });
    if (createdHome) await fs.rm(home, { recursive: true, force: true });
  });

  it("becomes the site user in the process Supervisor started, with a clean environment, and stops gracefully on SIGTERM", async () => {
    const command = buildWorkerCommand({
      ...FORGE_WORKER_INPUTS,
      isolatedUser: USER,
      directory,
      phpVersion: PHP_VERSION,
    });
    const [program, ...args] = splitLikeSupervisor(command);
    const started = spawn(program, args, {
      cwd: directory,
      env: {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: "/root",
        SUPERVISOR_ENABLED: "1",
        LEAKED_SECRET: "from-root",
      },
      stdio: "ignore",
    });
    child = started;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      started.once("exit", (code, signal) => resolve({ code, signal })),
    );

    const report = JSON.parse(await waitForFile(path.join(directory, "report.json")));

    // The pid Supervisor holds is PHP's own: setpriv exec'd rather than forked, so signals reach the worker.
    expect(report.pid).toBe(started.pid);
    expect({ uid: report.uid, euid: report.euid, gid: report.gid }).toStrictEqual({ uid, euid: uid, gid });
    expect(report.env.HOME).toBe(`/var/www`);
    expect(report.env.USER).toBe(USER);
    expect(report.env.PATH).toBe("/usr/local/bin:/bin:/usr/bin");
    expect(report.env).not.toHaveProperty("LEAKED_SECRET");
    expect(report.env).not.toHaveProperty("SUPERVISOR_ENABLED");
    expect(report.argv).toStrictEqual([
      path.join(directory, "artisan"),
      "queue:work",
      "redis",
      "--name=forge-previews-pr-12-worker",
      "--queue=default",
      "--tries=3",
      "--timeout=60",
      "--sleep=3",
    ]);
    // Files the worker writes belong to the site user, so the site (and `queue:restart`) can still use them.
    expect((await fs.stat(path.join(directory, "report.json"))).uid).toBe(uid);

    started.kill("SIGTERM");

    expect(await exited).toStrictEqual({ code: 0, signal: null });
    expect(await fs.readFile(path.join(directory, "stopped"), "utf8")).toBe("finished the current job, exiting");
  });
});
