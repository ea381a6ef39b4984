// What happens to a `pulumi` run and everything it started when the CLI is stopped or killed, against a stand-in
// `pulumi` that, like the real one, starts a child in a process group of its own (as it does each plugin).
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..", "..");

// `set -m` puts the background job in a process group of its own.
const FAKE_PULUMI = `#!/bin/sh
trap 'echo "$1" > "$FAKE_DIR/pulumi-got-int"; exit 130' INT
set -m
sleep 300 &
echo $! > "$FAKE_DIR/plugin.pid"
echo $$ > "$FAKE_DIR/pulumi.pid"
echo started
while :; do sleep 0.1; done
`;

// The CLI's side: one PulumiCli run, then (to see whether it is refused) a second one.
const DRIVER = `
const { PulumiCli } = require(${JSON.stringify(path.join(REPO, "cli", "pulumi", "runner.ts"))});
const cli = new PulumiCli({ cwd: process.env.FAKE_DIR, binDir: process.env.FAKE_BIN, env: { PATH: process.env.PATH, FAKE_DIR: process.env.FAKE_DIR } });
(async () => {
  const first = await cli.run(["up"], { onStdoutLine: (line) => console.log(line) });
  console.log("first ended " + first.exitCode);
  await cli.run(["up"]).then(() => console.log("second ran"), (error) => console.log("second refused: " + error.message));
})();
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("PulumiCli when the CLI is stopped", () => {
  let root: string;
  let driver: ChildProcess | null = null;
  let output = "";

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "pulumi-stop-"));
    mkdirSync(path.join(root, "bin"));
    writeFileSync(path.join(root, "bin", "pulumi"), FAKE_PULUMI);
    chmodSync(path.join(root, "bin", "pulumi"), 0o755);
    output = "";
  });

  afterEach(() => {
    for (const file of ["plugin.pid", "pulumi.pid"]) {
      const pidFile = path.join(root, file);
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
        } catch {
          // already gone, as it should be
        }
      }
    }
    if (driver?.exitCode === null && driver.signalCode === null) driver.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  async function startDriver(): Promise<{ pulumi: number; plugin: number }> {
    driver = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", DRIVER], {
      cwd: REPO,
      env: { ...process.env, FAKE_DIR: root, FAKE_BIN: path.join(root, "bin") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    driver.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    await waitFor("the stand-in pulumi to start its plugin", () => output.includes("started"), 20_000);
    const read = (file: string): number => Number(readFileSync(path.join(root, file), "utf8"));
    return { pulumi: read("pulumi.pid"), plugin: read("plugin.pid") };
  }

  it("kills pulumi and the plugin it started when the CLI itself is killed with SIGKILL", async () => {
    const { pulumi, plugin } = await startDriver();

    driver?.kill("SIGKILL");

    await waitFor("pulumi and its plugin to be gone", () => !isAlive(pulumi) && !isAlive(plugin));
    expect([isAlive(pulumi), isAlive(plugin)]).toEqual([false, false]);
  });

  it("hands a SIGTERM to pulumi as SIGINT, kills what is left of its session, and starts no further pulumi", async () => {
    const { plugin } = await startDriver();

    driver?.kill("SIGTERM");

    await waitFor("the driver to finish", () => output.includes("second"));
    expect(existsSync(path.join(root, "pulumi-got-int"))).toBe(true);
    expect(output).toContain("first ended 130");
    expect(output).toContain("second refused: Stopped by SIGTERM; `pulumi up` was not started.");
    await waitFor("the plugin to be gone", () => !isAlive(plugin));
  });
});
