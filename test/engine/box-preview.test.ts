// Previews of the demo app brought up by `forge-previews up` on the box: the simulator answers Forge's API and the
// box carries it out on this machine (Linux user, PHP-FPM pool, nginx, supervisor, Pebble). Every check looks at what
// the box serves and holds, what MariaDB and Redis hold, and what the simulator was asked. One box and one embedded
// default serve every case: a second PR whose branch first breaks its migration, and the CLI pointed at it all by the
// sandbox's env file.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { PulumiCli } from "../../cli/pulumi/runner";
import { siteRequest } from "../../tools/box/site-request";
import { writeCliEnv } from "../../tools/sandbox/cli-env";
import { SANDBOX_APP, SANDBOX_DOMAIN, type EmbeddedBox } from "../../tools/sandbox/embedded-default";
import { buildPreviewNames } from "../../stacks/naming";
import { describeBox, redisDbsHolding, withRedis } from "../support/box";
import { openPull } from "../support/github/harness";
import { startStubGitHub, type StubGitHub } from "../support/github/stub-github";
import { testServices } from "../support/services";
import type { StatusReport } from "../../cli/status/collect";
import { type BinRun, type CliProject, runBin, runCollecting, startCliProject } from "./cli-project";
import { forgeWrites } from "./preview-workspace";
import { repoRoot } from "./pulumi-engine";

jest.setTimeout(600_000);

const PR = 61;
/** The second PR: its branch first adds a migration that alters a table nothing created. */
const SECOND_PR = 62;
const SECOND_BRANCH = "add-plans";
const previewNames = (pr: number) =>
  buildPreviewNames({ app: SANDBOX_APP, pr, isDefaultApp: true, previewDomain: SANDBOX_DOMAIN });
const names = previewNames(PR);
const second = previewNames(SECOND_PR);

/** The demo app plus one migration on `plans`: `Schema::table` (fails, no such table) or `Schema::create` (the fix). */
function demoAppWithPlans(dir: string, method: "table" | "create"): string {
  const source = join(dir, `demo-app-${method}`);
  cpSync(join(repoRoot, "tools", "box", "demo-app"), source, { recursive: true });
  writeFileSync(
    join(source, "database", "migrations", "2024_06_01_000000_add_plans.php"),
    [
      "<?php",
      "",
      "use Illuminate\\Database\\Migrations\\Migration;",
      "use Illuminate\\Database\\Schema\\Blueprint;",
      "use Illuminate\\Support\\Facades\\Schema;",
      "",
      "return new class extends Migration",
      "{",
      "    public function up()",
      "    {",
      `        Schema::${method}('plans', function (Blueprint $table) {`,
      ...(method === "create" ? ["            $table->id();"] : []),
      "            $table->string('name');",
      "        });",
      "    }",
      "",
      "    public function down()",
      "    {",
      "        Schema::dropIfExists('plans');",
      "    }",
      "};",
      "",
    ].join("\n"),
  );
  return source;
}

describeBox("previews of the demo app on the box, through the operations CLI", () => {
  const services = testServices();
  let cli: CliProject;
  let box: EmbeddedBox;
  let sha: string;
  let auth: { username: string; password: string };
  let sources: string;

  const upPr = (pr: number, branch: string, commit: string): Promise<BinRun> =>
    runBin(["up", "--pr", String(pr), "--branch", branch, "--sha", commit], cli.project, cli.env);
  const up = async () => {
    const run = await upPr(PR, "main", sha);
    if (run.code !== 0) throw new Error(`up failed (${run.code}):\n${run.stderr.slice(-4000)}`);
    return run;
  };
  const basicAuthOf = async (stack: string) => {
    const pulumi = new PulumiCli({ cwd: cli.project, binDir: cli.binDir, env: cli.baseEnv });
    const output = async (key: string) =>
      (await pulumi.runChecked(["stack", "output", key, "--show-secrets", "--stack", stack], "")).stdout.trim();
    return { username: await output("basicAuthUser"), password: await output("basicAuthPassword") };
  };
  /** Publishes `source` as the next commit of `branch` on the box's demo remote; answers the commit. */
  const publish = async (source: string, branch: string) => {
    await box.host.publishRepository(SANDBOX_APP, source, branch);
    return execFileSync("git", ["-C", box.repository, "rev-parse", branch], { encoding: "utf8" }).trim();
  };
  const sql = async <T>(query: string): Promise<T> => {
    const m = services.mariadb;
    const connection = await createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
    try {
      return (await connection.query(query))[0] as T;
    } finally {
      await connection.end();
    }
  };
  /** Every key under either preview's prefix, as `db:key`, in all 16 Redis databases. */
  const prefixedKeys = () =>
    withRedis(services, async (client) => {
      const found: string[] = [];
      for (let db = 0; db < 16; db++) {
        await client.select(db);
        for (const prefix of [names.redisPrefix, second.redisPrefix])
          for (const key of await client.keys(`${prefix}*`)) found.push(`${db}:${key}`);
      }
      return found;
    });

  beforeAll(async () => {
    cli = await startCliProject("box-preview", { box: true });
    box = cli.embedded.box!;
    sha = execFileSync("git", ["-C", box.repository, "rev-parse", "main"], { encoding: "utf8" }).trim();
    sources = mkdtempSync(join(tmpdir(), "box-preview-sources-"));
    await up();
    auth = await basicAuthOf(names.stack);
  });

  afterAll(async () => {
    // After a failure on the way, `destroy` removes what the stacks made, and the box whatever its sites still hold.
    if (cli !== undefined && box !== undefined && box.host.sites().length > 0) {
      for (const pr of [PR, SECOND_PR])
        await runBin(["destroy", "--app", SANDBOX_APP, "--pr", String(pr)], cli.project, cli.baseEnv);
      await box.agent.idle();
      for (const site of box.host.sites()) await box.host.deleteSite(site).catch(() => undefined);
    }
    await cli?.dispose();
    if (sources !== undefined) rmSync(sources, { recursive: true, force: true });
  });

  it("serves /health over HTTPS through nginx with basic auth: the clone's data, its own Redis DB and a job run by the worker as the site user", async () => {
    const answer = await siteRequest(box.services, names.domain, "/health", auth);
    expect(answer.status).toBe(200);
    const health = JSON.parse(answer.body) as Record<string, unknown>;

    const [clone] = await sql<Array<{ count: number; email: string }>>(
      `SELECT COUNT(*) AS count, (SELECT email FROM \`${names.database}\`.customers ORDER BY id LIMIT 1) AS email FROM \`${names.database}\`.customers`,
    );
    expect(health).toMatchObject({
      status: "healthy",
      database: "connected",
      customers: Number(clone!.count),
      redis: "connected",
      queue: "running",
      worker_user: names.linuxUser,
    });
    expect(await redisDbsHolding(services, String(health.redis_key))).toEqual([health.redis_db]);
    const owner = execFileSync("ps", ["-o", "user=", "-p", String(health.worker_pid)], { encoding: "utf8" }).trim();
    expect(owner).toBe(names.linuxUser);
  });

  it("answers 401 without the password", async () => {
    expect((await siteRequest(box.services, names.domain, "/health")).status).toBe(401);
  });

  it("changes nothing on a second `up` with the same commit: Forge gets no write", async () => {
    const before = cli.embedded.simulator.requests.length;

    await up();

    expect(forgeWrites(cli.embedded.simulator.requests.slice(before))).toEqual([]);
  });

  it("fails `up` of a branch whose migration errors, with the deployment's redacted log excerpt in its error", async () => {
    const broken = await publish(demoAppWithPlans(sources, "table"), SECOND_BRANCH);

    const run = await upPr(SECOND_PR, SECOND_BRANCH, broken);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("The end of its log (secrets redacted)");
    // MariaDB's own words for the migration's error, from `artisan migrate --force` in the deployment's log (which
    // artisan wraps, so each part is matched on its own line).
    expect(run.stderr).toMatch(new RegExp(`Base table or view not found: 1146 Table '${second.database}\\.plans`));
    expect(run.stderr).toContain("alter table `plans` add `name`");
    for (const secret of cli.secrets) expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it("deploys the fixed commit on the next `up`, and then both previews answer healthy over HTTPS", async () => {
    const fixed = await publish(demoAppWithPlans(sources, "create"), SECOND_BRANCH);

    const run = await upPr(SECOND_PR, SECOND_BRANCH, fixed);

    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-4000) }).toEqual({ code: 0, stderr: "" });
    const secondAuth = await basicAuthOf(second.stack);
    for (const [domain, user, credentials] of [
      [names.domain, names.linuxUser, auth],
      [second.domain, second.linuxUser, secondAuth],
    ] as const) {
      const answer = await siteRequest(box.services, domain, "/health", credentials);
      expect({ domain, status: answer.status }).toEqual({ domain, status: 200 });
      expect(JSON.parse(answer.body)).toMatchObject({ status: "healthy", worker_user: user });
    }
    expect(await sql<unknown[]>(`SHOW TABLES IN \`${second.database}\` LIKE 'plans'`)).toHaveLength(1);
  });

  it("keeps each preview's `.env` from the other preview's user", () => {
    const envOf = (preview: typeof names) => join("/home", preview.linuxUser, preview.domain, ".env");
    const readAs = (user: string, file: string) =>
      execFileSync("runuser", ["-u", user, "--", "cat", file], { encoding: "utf8", stdio: "pipe" });

    // Each user reads its own, so the refusals below are about the other's file, not a missing one.
    expect(readAs(names.linuxUser, envOf(names))).toContain(`DB_DATABASE=${names.database}`);
    expect(readAs(second.linuxUser, envOf(second))).toContain(`DB_DATABASE=${second.database}`);
    expect(() => readAs(names.linuxUser, envOf(second))).toThrow(/Permission denied/);
    expect(() => readAs(second.linuxUser, envOf(names))).toThrow(/Permission denied/);
  });

  describe("the CLI pointed at the box by the sandbox's env file", () => {
    let envFile: string;
    let github: StubGitHub;
    /** Runs `forge-previews <args>` in a shell that has only sourced the env file (plus PATH and HOME). */
    const sourced = (args: string[], extra: Record<string, string> = {}): Promise<BinRun> =>
      runCollecting(
        "bash",
        ["-c", 'source "$1" && shift && exec "$@"', "-", envFile, join(repoRoot, "bin", "forge-previews"), ...args],
        repoRoot,
        { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...extra },
      );

    beforeAll(async () => {
      const pulumiEnv = Object.fromEntries(
        Object.entries(cli.baseEnv).filter(([key]) => key.startsWith("PULUMI_") && key !== "PULUMI_CLI_BIN_DIR"),
      );
      envFile = writeCliEnv({
        ...{ dir: cli.scratch, embedded: cli.embedded, pulumiEnv },
        ...{ project: cli.project, binDir: cli.binDir },
      }).file;
      github = await startStubGitHub();
      for (const [pr, branch] of [
        [PR, "main"],
        [SECOND_PR, SECOND_BRANCH],
      ] as const)
        github.repo("acme/demo").pulls.set(pr, openPull(pr, { branch, headRepo: "acme/demo" }));
    });

    afterAll(async () => {
      await github?.close();
    });

    it("lists both previews with branch, age and URL", async () => {
      const run = await sourced(["list", "--json"]);

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
      const listed = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
      expect(
        listed.map(({ stack, branch, url, ageDays, status }) => ({ stack, branch, url, ageDays, status })),
      ).toEqual([
        { stack: names.stack, branch: "main", url: `https://${names.domain}`, ageDays: 0, status: "ok" },
        { stack: second.stack, branch: SECOND_BRANCH, url: `https://${second.domain}`, ageDays: 0, status: "ok" },
      ]);
    });

    it("passes every `doctor` check, DNS through the box's resolver", async () => {
      const run = await sourced(["doctor", "--json"]);

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
      const checks = JSON.parse(run.stdout) as Array<{ name: string; status: string; detail: string }>;
      expect(checks.filter((check) => check.status !== "ok")).toEqual([]);
      expect(checks.find((check) => check.name === "dns")?.detail).toMatch(
        new RegExp(`^doctor-[0-9a-f]{8}\\.${SANDBOX_DOMAIN.replace(".", "\\.")} resolves to 127\\.0\\.0\\.1 `),
      );
    });

    it("reports the box and both previews in `status --json`: databases, Redis keys, deployment success and running workers", async () => {
      const run = await sourced(["status", "--json"]);

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
      const report = JSON.parse(run.stdout) as StatusReport;
      expect(report.problems).toEqual([]);
      expect(report.server.memoryTotalBytes).toBeGreaterThan(0);
      expect(report.server.activePreviewSites).toBe(2);
      expect(
        report.previews.map((preview) => ({
          stack: preview.stack,
          database: preview.database.name,
          tables: (preview.database.tables ?? 0) > 0,
          keys: (preview.redis?.keys ?? 0) > 0,
          successRate: preview.deployments?.successRate,
          workers: preview.worker?.processes.map((process) => process.status),
        })),
      ).toEqual([
        {
          stack: names.stack,
          database: names.database,
          tables: true,
          keys: true,
          successRate: 1,
          workers: ["running"],
        },
        // Its first deployment failed on the broken migration, the second deployed the fix.
        {
          stack: second.stack,
          database: second.database,
          tables: true,
          keys: true,
          successRate: 0.5,
          workers: ["running"],
        },
      ]);
    });

    it("names nothing to remove in `sweep --dry-run` while both PRs are open", async () => {
      const run = await sourced(["sweep", "--dry-run"], { GITHUB_TOKEN: "ghs_sandbox", GITHUB_API_URL: github.url });

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
      const plan = run.stdout.split("\n").filter((line) => line.startsWith("would "));
      expect(plan.map((line) => line.split(/\s+/).slice(0, 3).join(" "))).toEqual([
        `would keep ${names.stack}`,
        `would keep ${second.stack}`,
      ]);
      expect(github.requests.filter((request) => request.method !== "GET")).toEqual([]);
    });
  });

  it("leaves no Linux user, pool, server block, supervisor program, site directory, database, Redis key or certificate after `destroy` of both", async () => {
    for (const pr of [PR, SECOND_PR]) {
      const run = await runBin(["destroy", "--app", SANDBOX_APP, "--pr", String(pr)], cli.project, cli.baseEnv);
      expect({ pr, code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({
        ...{ pr, code: 0, stderr: "" },
      });
    }
    await box.agent.idle();

    await expect(box.host.leaks()).resolves.toEqual([]);
    for (const preview of [names, second]) {
      expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`^${preview.linuxUser}:`, "m"));
      expect(() => execFileSync("test", ["-e", `/home/${preview.linuxUser}`])).toThrow();
      expect(await sql<unknown[]>(`SHOW DATABASES LIKE '${preview.database}'`)).toEqual([]);
      expect(await sql<unknown[]>(`SELECT User FROM mysql.user WHERE User = '${preview.databaseUser}'`)).toEqual([]);
    }
    expect(await prefixedKeys()).toEqual([]);
  });
});
