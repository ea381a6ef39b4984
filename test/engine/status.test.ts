// `forge-previews status` and admission by headroom on real preview stacks: the CLI as a workflow runs it, under the
// real pulumi engine with a file backend, against the embedded default (the Forge simulator, and this run's sshd,
// MariaDB and Redis standing in for the server).
import { readFileSync } from "node:fs";
import { createClient } from "redis";
import type { StatusReport } from "../../cli/status/collect";
import { connectAsRoot } from "../support/master-fixture";
import { type CliProject, runBin, startCliProject } from "./cli-project";

jest.setTimeout(600_000);

const SHA = "3333333333333333333333333333333333333333";

function meminfoBytes(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/meminfo", "utf8"));
  if (!match) throw new Error(`no ${field} in /proc/meminfo`);
  return Number(match[1]) * 1024;
}

describe("status and admission by headroom on real preview stacks", () => {
  let cli: CliProject;

  beforeAll(async () => {
    cli = await startCliProject("status-engine");
  });

  afterAll(async () => {
    if (cli !== undefined) await runBin(["destroy", "--pr", "42"], cli.project, cli.env);
    await cli?.dispose();
  });

  /** The workflow's environment with `extra` added to its shared configuration. */
  function envWith(extra: Record<string, unknown>): Record<string, string> {
    const shared = JSON.parse(cli.env.FORGE_PREVIEWS_CONFIG ?? "{}") as Record<string, unknown>;
    return { ...cli.env, FORGE_PREVIEWS_CONFIG: JSON.stringify({ ...shared, ...extra }) };
  }

  const up = (pr: number, env: Record<string, string>, ...flags: string[]) =>
    runBin(["up", "--pr", String(pr), "--branch", "feature/status", "--sha", SHA, ...flags], cli.project, env);

  it("refuses a new preview above a memory floor below the machine's use, before any stack or Forge call", async () => {
    const before = cli.embedded.simulator.requests.length;
    const run = await up(41, envWith({ maxMemoryPercent: 1 }));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("so pr-41 was not created; nothing was changed");
    expect(run.stderr).toMatch(/Memory in use is \d+\.\d% .*, above `maxMemoryPercent` 1\./);
    expect(run.stderr).toContain("then run `up` again");
    expect(cli.embedded.simulator.requests.slice(before)).toEqual([]);
    const list = await runBin(["list", "--json"], cli.project, cli.env);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("brings a preview up within the floors, and status --json reports its real figures", async () => {
    const created = await up(42, cli.env, "--json");
    expect(created.stderr).not.toContain("error:");
    expect(created.code).toBe(0);
    const { outputs } = JSON.parse(created.stdout) as { outputs: { redisDb: number } };

    // Keys and queued jobs in the preview's Redis database, under its prefix, as the app would write them.
    const redis = createClient({
      socket: { host: "127.0.0.1", port: cli.embedded.services.redis.port },
      password: cli.embedded.services.redis.password,
    });
    await redis.connect();
    await redis.select(outputs.redisDb);
    await redis.set("demo_pr42_cache_a", "1");
    await redis.set("demo_pr42_cache_b", "2");
    await redis.rPush("demo_pr42_queues:default", ["job-1", "job-2"]);

    const run = await runBin(["status", "--json"], cli.project, cli.env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.problems).toEqual([]);

    const { server } = report;
    expect(server.memoryTotalBytes).toBe(meminfoBytes("MemTotal"));
    expect(server.disks.map((d) => d.role)).toEqual(["sites", "mysql"]);
    expect(server.activePreviewSites).toBe(1);
    const [master] = server.masters;
    expect(master?.sizeBytes).toBeGreaterThan(0);

    expect(report.previews).toHaveLength(1);
    const [preview] = report.previews;
    expect(preview).toMatchObject({ stack: "pr-42", pr: 42, branch: "feature/status", status: "ok" });
    expect(preview?.createdAt).not.toBeNull();

    // The clone's size as MariaDB itself counts it.
    const conn = await connectAsRoot();
    try {
      const [rows] = await conn.query(
        "SELECT SUM(data_length + index_length) AS bytes, COUNT(*) AS tables FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
        [preview?.database.name],
      );
      const [row] = rows as Array<{ bytes: string; tables: number | string }>;
      expect(preview?.database.sizeBytes).toBe(Number(row?.bytes));
      expect(preview?.database.tables).toBe(Number(row?.tables));
    } finally {
      await conn.end();
    }

    // The Redis database the preview claimed, with its key count as Redis reports it and the jobs queued above.
    try {
      expect(preview?.redis?.db).toBe(outputs.redisDb);
      expect(preview?.redis?.keys).toBe(await redis.dbSize());
      expect(preview?.redis?.keys).toBeGreaterThanOrEqual(3);
    } finally {
      await redis.quit();
    }
    expect(preview?.redis?.queues).toEqual([{ queue: "default", ready: 2, delayed: 0, reserved: 0 }]);

    // The simulator's deployment history and the worker it runs.
    expect(preview?.deployments?.succeeded).toBeGreaterThanOrEqual(1);
    expect(preview?.deployments?.successRate).toBe(1);
    expect(preview?.worker?.processes.length).toBe(1);

    const table = await runBin(["status"], cli.project, cli.env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^pr-42\s+demo\s+42\s+ok\s/m);
    for (const secret of cli.secrets) expect(run.stdout + table.stdout).not.toContain(secret);
  });

  it("still updates the existing preview with the floor below the machine's use", async () => {
    const run = await up(42, envWith({ maxMemoryPercent: 1 }));
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
  });
});
