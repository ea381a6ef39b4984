// Stack locks under the real pulumi engine with a file backend, against the embedded default (#13): a lock whose
// pulumi still runs is left alone and the error names the command that clears it; a CLI killed with SIGKILL during
// `up` takes pulumi, the language host and the provider hosts with it but leaves the lock; the next `destroy` clears
// that lock, says so, and removes everything from the simulator, MariaDB and Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";
import { type OperationsContext, createOperationsContext, destroyPreview, upPreview } from "../../cli/operations";
import { StackLockedError } from "../../cli/pulumi/locks";
import { PulumiCli } from "../../cli/pulumi/runner";
import { SLOT_CLAIMS_KEY } from "../../providers/redis";
import { buildPreviewNames } from "../../stacks/naming";
import { type EmbeddedDefault, SANDBOX_APP, SANDBOX_DOMAIN } from "../../tools/sandbox/embedded-default";
import { type CliProject, startCliProject } from "./cli-project";
import { repoRoot } from "./pulumi-engine";

jest.setTimeout(600_000);

const STACK = "pr-41";
const names = buildPreviewNames({ app: SANDBOX_APP, pr: 41, isDefaultApp: true, previewDomain: SANDBOX_DOMAIN });

interface Proc {
  pid: number;
  name: string;
  session: number;
  cmdline: string;
}

/** Every live process, from /proc (the session field survives re-parenting, so orphans are found too). */
function processes(): Proc[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z") return [];
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
        return [
          {
            pid: Number(entry),
            name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
            session: Number(fields[3]),
            cmdline,
          },
        ];
      } catch {
        return [];
      }
    });
}

async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("stack locks on real preview stacks", () => {
  let cli: CliProject;
  let project: string;
  let lockDir: string;
  let embedded: EmbeddedDefault;
  let env: Record<string, string>;
  let ctx: OperationsContext;
  let pulumi: PulumiCli;
  const progress: string[] = [];
  const started: ChildProcess[] = [];

  /** The pid recorded in the stack's one lock file, once there is one. */
  function lockHolder(): number | null {
    const files = existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.endsWith(".json")) : [];
    if (files.length !== 1) return null;
    return (JSON.parse(readFileSync(path.join(lockDir, files[0] ?? ""), "utf8")) as { pid: number }).pid;
  }

  beforeAll(async () => {
    cli = await startCliProject("stale-lock");
    ({ project, embedded, env } = cli);
    // Where pulumi 3.276's DIY backend keeps the stack's lock: .pulumi/locks/<org>/<project>/<stack>/<uuid>.json.
    lockDir = path.join(cli.scratch, "backend", ".pulumi", "locks", "organization", "forge-previews", STACK);
    ctx = await createOperationsContext({ cwd: project, env, onProgress: (line) => progress.push(line) });
    pulumi = new PulumiCli({ cwd: project, binDir: cli.binDir, env });
    await upPreview({ app: null, pr: 41, branch: "feature/locks", sha: "1".repeat(40) }, ctx);
  });

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await cli?.dispose();
  });

  it("leaves a lock whose pulumi still runs, and the error names the command that clears it", async () => {
    const refresh = pulumi.run(["refresh", "--stack", STACK, "--yes", "--skip-preview"]);
    const holder = await waitFor("the refresh's lock", lockHolder);
    // Stopped, it holds the lock as long as we need, and is still a live pulumi.
    process.kill(holder, "SIGSTOP");
    try {
      const failure = await destroyPreview({ app: null, pr: 41 }, ctx).then(
        () => null,
        (error: unknown) => error,
      );

      expect(failure).toBeInstanceOf(StackLockedError);
      expect((failure as Error).message).toContain(`(pid ${holder}, since `);
      expect((failure as Error).message).toContain("which still runs on this machine");
      expect((failure as Error).message).toContain("clear the lock with `forge-previews unlock --stack pr-41`");
      expect(lockHolder()).toBe(holder);
      expect(embedded.simulator.state().sites.map((s) => s.name)).toContain(names.domain);
    } finally {
      // Whatever the outcome, the refresh ends before the next test looks for a lock.
      process.kill(holder, "SIGCONT");
      expect((await refresh).exitCode).toBe(0);
    }
    expect(lockHolder()).toBeNull();
  });

  it("takes pulumi, the language host and the provider hosts with it when the CLI is killed with SIGKILL during `up`", async () => {
    // Forge takes its time answering the new commit's deployment, as it does a clone: pulumi has nothing to print,
    // so it cannot notice that its CLI is gone.
    embedded.simulator.inject({ method: "POST", path: /\/deployments$/, delayMs: 40_000 });
    const cli = spawn(
      path.join(repoRoot, "bin", "forge-previews"),
      ["up", "--pr", "41", "--branch", "feature/locks", "--sha", "2".repeat(40)],
      {
        cwd: project,
        env,
        stdio: "ignore",
      },
    );
    started.push(cli);
    const holder = await waitFor("the update's lock", lockHolder);
    await waitFor("the deployment request in flight", () =>
      embedded.simulator.requests.some((r) => r.method === "POST" && r.path.endsWith("/deployments") && r.status === 0),
    );
    const session = processes().filter((p) => p.session === holder);
    expect(session.map((p) => p.name)).toEqual(expect.arrayContaining(["pulumi", "pulumi-language"]));
    expect(session.filter((p) => p.cmdline.includes("dynamic-provider"))).not.toEqual([]);

    cli.kill("SIGKILL");

    const left = await waitFor(
      "pulumi's session to be gone",
      () => {
        const now = processes().filter((p) => p.session === holder || p.cmdline.includes(project));
        return now.length === 0 ? now : null;
      },
      10_000,
    ).catch(() => processes().filter((p) => p.session === holder || p.cmdline.includes(project)));
    expect(left.map((p) => `${p.pid} ${p.name} ${p.cmdline}`)).toEqual([]);
    // The killed pulumi could not release its lock.
    expect(lockHolder()).toBe(holder);
  });

  it("clears that stale lock on the next `destroy`, says so, and removes everything from the simulator, MariaDB and Redis", async () => {
    progress.length = 0;
    const holder = lockHolder();

    const result = await destroyPreview({ app: null, pr: 41 }, ctx);

    expect(result).toMatchObject({ stack: STACK, existed: true });
    expect(progress).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^stack pr-41 was locked by .*\\(pid ${holder}, since .*\\), which no longer runs on this machine; clearing the lock with \`pulumi cancel\`$`,
        ),
      ),
    );
    expect(lockHolder()).toBeNull();
    expect(
      (JSON.parse((await pulumi.runChecked(["stack", "ls", "--json"], "")).stdout) as Array<{ name: string }>).map(
        (s) => s.name,
      ),
    ).not.toContain(STACK);

    const state = embedded.simulator.state();
    expect({
      sites: state.sites.filter((s) => s.name === names.domain),
      databases: state.databases.filter((d) => d.name === names.database),
      databaseUsers: state.databaseUsers.filter((u) => u.name === names.databaseUser),
      backgroundProcesses: state.backgroundProcesses.filter((p) => p.name.includes(STACK)),
    }).toEqual({ sites: [], databases: [], databaseUsers: [], backgroundProcesses: [] });

    const { host, port, user, password } = embedded.services.mariadb;
    const mysql = await createConnection({ host, port, user, password });
    try {
      const [schemas] = await mysql.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
        names.database,
      ]);
      const [users] = await mysql.query("SELECT User FROM mysql.user WHERE User = ?", [names.databaseUser]);
      expect({ schemas, users }).toEqual({ schemas: [], users: [] });
    } finally {
      await mysql.end();
    }

    const redis = createClient({
      socket: { host: embedded.services.redis.host, port: embedded.services.redis.port },
      password: embedded.services.redis.password,
    });
    await redis.connect();
    try {
      const claims = Object.values(await redis.hGetAll(SLOT_CLAIMS_KEY)).map(
        (text) => JSON.parse(text) as { stack?: string },
      );
      expect(claims.filter((claim) => claim.stack === STACK)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
