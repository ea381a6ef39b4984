import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";
import { SLOT_CLAIMS_DB, SLOT_CLAIMS_KEY } from "../../providers/redis";
import { SANDBOX_DOMAIN } from "../../tools/sandbox/embedded-default";
import { startLocalServices } from "../../tools/sandbox/local-services";
import { SANDBOX_DIR_ENV, SANDBOX_MODE_ENV, SANDBOX_STACK, sandboxPulumiEnv } from "../../tools/sandbox/main";
import { REPO_ROOT, createPulumiRunner, locatePulumiBinDir } from "../../tools/sandbox/pulumi-cli";

// Three real `pulumi` runs (each starts the CLI, the language host, ts-node and the provider host) on a busy machine.
jest.setTimeout(600_000);

interface CommandRun {
  code: number | null;
  output: string;
}

/** Runs the sandbox command exactly as `npm run sandbox` does, against `dir` instead of the repository's `.sandbox/`. */
function runSandbox(dir: string, args: string[] = []): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(REPO_ROOT, "node_modules", ".bin", "ts-node"),
      ["--transpile-only", "tools/sandbox/main.ts", ...args],
      {
        cwd: REPO_ROOT,
        // The light mode: this suite checks the command itself; test/engine/box-preview.test.ts covers the box.
        env: { ...process.env, [SANDBOX_DIR_ENV]: dir, [SANDBOX_MODE_ENV]: "light" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output: Buffer.concat(chunks).toString("utf8") }));
  });
}

function expectSuccess(run: CommandRun): void {
  if (run.code !== 0) throw new Error(`the sandbox command exited with ${run.code}:\n${run.output.slice(-6000)}`);
}

interface SimulatorCounts {
  sites: string[];
  databases: string[];
  databaseUsers: string[];
  backgroundProcesses: number;
  securityRules: number;
  certificates: number;
}

/** What the simulator's saved state holds, read from the file it writes after every change. */
function simulatorCounts(dir: string): SimulatorCounts {
  const state = JSON.parse(readFileSync(join(dir, "simulator-state.json"), "utf8")) as Record<string, unknown>;
  const list = (key: string) => (Array.isArray(state[key]) ? (state[key] as Record<string, unknown>[]) : []);
  return {
    sites: list("sites").map((s) => String(s.name)),
    databases: list("databases").map((d) => String(d.name)),
    databaseUsers: list("databaseUsers").map((u) => String(u.name)),
    backgroundProcesses: list("backgroundProcesses").length,
    securityRules: list("securityRules").length,
    certificates: list("certificates").length,
  };
}

interface ServerFacts {
  schemas: string[];
  users: string[];
  claimsOfStack: string[];
  demoMasterCustomers: number;
}

/** Starts the sandbox's own services from its dir (as the next run would) and reads what the preview left in them. */
async function serverFacts(dir: string): Promise<ServerFacts> {
  const services = await startLocalServices({ dir: join(dir, "services"), persistent: true });
  try {
    const m = services.mariadb!;
    const conn = await createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
    let schemas: string[];
    let users: string[];
    let demoMasterCustomers: number;
    try {
      const [schemaRows] = await conn.query(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'demo_pr_1'",
      );
      const [userRows] = await conn.query("SELECT User AS name FROM mysql.user WHERE User = 'demo_pr1'");
      const [countRows] = await conn.query("SELECT COUNT(*) AS n FROM demo_master.customers");
      schemas = (schemaRows as { name: string }[]).map((r) => r.name);
      users = (userRows as { name: string }[]).map((r) => r.name);
      demoMasterCustomers = Number((countRows as { n: number }[])[0]?.n);
    } finally {
      await conn.end();
    }
    const r = services.redis!;
    const redis = createClient({
      socket: { host: r.host, port: r.port, reconnectStrategy: false },
      password: r.password,
      database: SLOT_CLAIMS_DB,
    });
    await redis.connect();
    let claimsOfStack: string[];
    try {
      const claims = await redis.hGetAll(SLOT_CLAIMS_KEY);
      claimsOfStack = Object.entries(claims)
        .filter(([, claim]) => (JSON.parse(claim) as { stack?: unknown }).stack === SANDBOX_STACK)
        .map(([slot]) => slot);
    } finally {
      redis.destroy();
    }
    return { schemas, users, claimsOfStack, demoMasterCustomers };
  } finally {
    await services.stop();
  }
}

describe("npm run sandbox", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-command-test-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the preview, changes nothing on a second run with the same ports and keys, and destroy removes it all", async () => {
    const pulumi = createPulumiRunner({
      cwd: join(dir, "project"),
      binDir: locatePulumiBinDir(),
      env: sandboxPulumiEnv(dir),
    });
    const history = async () =>
      JSON.parse(await pulumi.run(["stack", "history", "--stack", SANDBOX_STACK, "--json"], { quiet: true })) as {
        kind: string;
        result: string;
        resourceChanges?: Record<string, number>;
      }[];

    expectSuccess(await runSandbox(dir));
    const ports = readFileSync(join(dir, "services", "ports.json"), "utf8");
    const created = simulatorCounts(dir);
    expect(created).toStrictEqual({
      sites: [`pr-1.${SANDBOX_DOMAIN}`],
      databases: ["demo_pr_1"],
      databaseUsers: ["demo_pr1"],
      backgroundProcesses: 1,
      securityRules: 1,
      certificates: 1,
    });
    const [firstUpdate] = await history();
    expect(firstUpdate).toMatchObject({ kind: "update", result: "succeeded" });
    const createdCount = firstUpdate?.resourceChanges?.create ?? 0;
    expect(createdCount).toBeGreaterThanOrEqual(10);

    expectSuccess(await runSandbox(dir));
    // Newest first: the second update touched nothing, because every config value (ports, keys, token) stayed put.
    const [secondUpdate, ...older] = await history();
    expect(older).toHaveLength(1);
    expect(secondUpdate).toMatchObject({
      kind: "update",
      result: "succeeded",
      resourceChanges: { same: createdCount },
    });
    expect(readFileSync(join(dir, "services", "ports.json"), "utf8")).toBe(ports);
    expect(simulatorCounts(dir)).toStrictEqual(created);

    const kept = await serverFacts(dir);
    expect(kept).toMatchObject({ schemas: ["demo_pr_1"], users: ["demo_pr1"], demoMasterCustomers: 200 });
    expect(kept.claimsOfStack).toHaveLength(1);

    const destroy = await runSandbox(dir, ["destroy"]);
    expectSuccess(destroy);
    expect(destroy.output).toContain(`sandbox: ${SANDBOX_STACK} destroyed and removed`);
    expect(simulatorCounts(dir)).toStrictEqual({
      sites: [],
      databases: [],
      databaseUsers: [],
      backgroundProcesses: 0,
      securityRules: 0,
      certificates: 0,
    });
    expect(await serverFacts(dir)).toStrictEqual({
      schemas: [],
      users: [],
      claimsOfStack: [],
      demoMasterCustomers: 200,
    });
    const stacks = JSON.parse(await pulumi.run(["stack", "ls", "--json"], { quiet: true })) as unknown[];
    expect(stacks).toStrictEqual([]);
    expect(existsSync(join(dir, "project", `Pulumi.${SANDBOX_STACK}.yaml`))).toBe(false);
  });
});
