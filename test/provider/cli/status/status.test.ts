/**
 * The status report's figures against the local "server" (this machine, through the test sshd): memory and disks as
 * the kernel reports them here, a preview database's size from MariaDB, and a preview's Redis database.
 */
import { readFileSync, statfsSync } from "node:fs";
import { createClient } from "redis";
import { collectStatus } from "../../../../cli/status/collect";
import { measureHeadroom } from "../../../../cli/status/admission";
import { readServerMetrics } from "../../../../cli/status/server-metrics";
import { connectAsRoot, dropDatabases } from "../../../support/master-fixture";
import { expectNoServerSecrets, sshTarget, testServices } from "../../../support/services";
import { localServerConfig } from "../../../support/status-server";

const services = testServices();
const MASTER = "status_master";
const PREVIEW_DB = "customer_pr_9101";
// Database 11: the registry tests only record claims for 2-11 (in database 0) and write no keys there.
const REDIS_DB = 11;
const PREFIX = "customer_pr9101_";
const ROWS = 2000;
const PAYLOAD = 1000;

function meminfoBytes(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/meminfo", "utf8"));
  if (!match) throw new Error(`no ${field} in /proc/meminfo`);
  return Number(match[1]) * 1024;
}

function statfsBytes(path: string): { total: number; free: number } {
  const s = statfsSync(path);
  return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
}

const MiB = 1024 * 1024;

describe("readServerMetrics over SSH", () => {
  it("reads this machine's memory from /proc/meminfo and its disks as statfs sees them", async () => {
    const dataDir = services.mariadb.dataDir;
    const metrics = await readServerMetrics(sshTarget(services), { paths: ["/home", dataDir] });
    const total = meminfoBytes("MemTotal");
    const used = total - meminfoBytes("MemAvailable");
    expect(metrics.memoryTotalBytes).toBe(total);
    // The machine is shared: use moves between the two reads, by far less than 2% of its memory.
    expect(Math.abs(metrics.memoryUsedBytes - used)).toBeLessThan(total * 0.02);
    expect(metrics.load1).toBeGreaterThanOrEqual(0);
    expect(metrics.disks.map((d) => d.path)).toEqual(["/home", dataDir]);
    for (const disk of metrics.disks) {
      const fs = statfsBytes(disk.path);
      expect(disk.totalBytes).toBe(fs.total);
      expect(Math.abs(disk.freeBytes - fs.free)).toBeLessThan(256 * MiB);
    }
  });
});

describe("collectStatus on the local server", () => {
  let redis: ReturnType<typeof createClient>;

  beforeAll(async () => {
    const conn = await connectAsRoot();
    try {
      await dropDatabases(conn, MASTER, PREVIEW_DB);
      for (const db of [MASTER, PREVIEW_DB]) {
        await conn.query(`CREATE DATABASE ${db}`);
        await conn.query(`CREATE TABLE ${db}.rows_t (id INT PRIMARY KEY, payload VARCHAR(${PAYLOAD})) ENGINE=InnoDB`);
      }
      // A known amount of data in the preview, and a quarter of it in the master.
      for (const [db, rows] of [
        [PREVIEW_DB, ROWS],
        [MASTER, ROWS / 4],
      ] as const) {
        const values = Array.from({ length: rows }, (_, i) => `(${i}, REPEAT('x', ${PAYLOAD}))`);
        await conn.query(`INSERT INTO ${db}.rows_t VALUES ${values.join(",")}`);
        await conn.query(`ANALYZE TABLE ${db}.rows_t`);
      }
    } finally {
      await conn.end();
    }
    redis = createClient({
      socket: { host: "127.0.0.1", port: services.redis.port },
      password: services.redis.password,
    });
    await redis.connect();
    await redis.select(REDIS_DB);
    await redis.flushDb();
    for (let i = 0; i < 5; i++) await redis.set(`${PREFIX}cache_k${i}`, "v".repeat(100 * (i + 1)));
    await redis.rPush(`${PREFIX}queues:default`, ["job-1", "job-2", "job-3"]);
    await redis.zAdd(`${PREFIX}queues:default:delayed`, [
      { score: 1, value: "later-1" },
      { score: 2, value: "later-2" },
    ]);
  });

  afterAll(async () => {
    await redis.flushDb();
    await redis.quit();
    const conn = await connectAsRoot();
    await dropDatabases(conn, MASTER, PREVIEW_DB);
    await conn.end();
  });

  it("reports the server's memory and disks, the master's size and the preview's database and Redis figures", async () => {
    const { entries, config } = localServerConfig(services, MASTER);
    const now = new Date();
    const report = await collectStatus({
      config,
      entries,
      forge: null,
      now,
      previews: [
        {
          summary: {
            stack: "pr-9101",
            app: "customer",
            pr: 9101,
            branch: "feature/x",
            url: null,
            createdAt: "2026-01-01T00:00:00.000Z",
            lastUpdate: null,
            ageDays: 3,
            resourceCount: 12,
            status: "ok",
            commit: null,
          },
          outputs: { databaseName: PREVIEW_DB, redisDb: REDIS_DB },
        },
      ],
    });

    expect(report.problems).toEqual([]);
    const { server } = report;
    expect(server.memoryTotalBytes).toBe(meminfoBytes("MemTotal"));
    expect(server.disks.map((d) => [d.role, d.path])).toEqual([
      ["sites", "/home"],
      ["mysql", services.mariadb.dataDir.replace(/\/+$/, "")],
    ]);
    const mysqlDisk = statfsBytes(services.mariadb.dataDir);
    expect(Math.abs((server.disks[1]?.freeBytes ?? 0) - mysqlDisk.free)).toBeLessThan(256 * MiB);

    // InnoDB's page counts: at least the payload, and not much more than its pages' overhead.
    const [preview] = report.previews;
    expect(preview?.database.name).toBe(PREVIEW_DB);
    expect(preview?.database.tables).toBe(1);
    expect(preview?.database.sizeBytes).toBeGreaterThanOrEqual(ROWS * PAYLOAD);
    expect(preview?.database.sizeBytes).toBeLessThan(ROWS * PAYLOAD * 2);
    const master = server.masters[0];
    expect(master).toMatchObject({ app: "customer", database: MASTER, takenAt: null });
    expect(master?.sizeBytes).toBeGreaterThanOrEqual((ROWS / 4) * PAYLOAD);
    expect(master?.sizeBytes).toBeLessThan(preview?.database.sizeBytes ?? 0);

    // 5 strings, the queue list and its delayed set.
    expect(preview?.redis).toMatchObject({ db: REDIS_DB, keys: 7, sampledKeys: 7 });
    let memory = 0;
    for (const key of await redis.keys("*")) memory += (await redis.sendCommand<number>(["MEMORY", "USAGE", key])) ?? 0;
    expect(preview?.redis?.memoryBytes).toBe(memory);
    expect(preview?.redis?.memoryMethod).toBe("exact: MEMORY USAGE of all 7 keys");
    expect(preview?.redis?.queues).toEqual([{ queue: "default", ready: 3, delayed: 2, reserved: 0 }]);

    expectNoServerSecrets(JSON.stringify(report), services);
  });

  it("refuses a new preview's headroom above a memory floor below this machine's use, with the figures", async () => {
    const { entries, config } = localServerConfig(services, MASTER, { "forge-previews:maxMemoryPercent": "1" });
    const check = await measureHeadroom(config, entries, "customer");
    expect(check.allowed).toBe(false);
    if (check.allowed) return;
    expect(check.failures.map((f) => f.floor)).toEqual(["maxMemoryPercent"]);
    expect(check.measured.memoryTotalBytes).toBe(meminfoBytes("MemTotal"));
    expect(check.measured.masterBytes).toBeGreaterThanOrEqual((ROWS / 4) * PAYLOAD);
    expect(check.failures[0]?.text).toMatch(/^memory in use is \d+\.\d% \(.* of .*\), above `maxMemoryPercent` 1$/);
  });

  it("admits a new preview while memory and MySQL's free disk are inside the default floors", async () => {
    const { entries, config } = localServerConfig(services, MASTER);
    const check = await measureHeadroom(config, entries, "customer");
    expect(check.allowed).toBe(true);
    expect(check.measured.mysqlDisk.freeBytes).toBeGreaterThan(check.measured.masterBytes * 2);
  });
});
