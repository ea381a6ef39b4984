// One preview of the demo app brought up by `forge-previews up` on the box: the simulator answers Forge's API and the
// box carries it out on this machine (Linux user, PHP-FPM pool, nginx, supervisor, Pebble). Every check looks at what
// the box serves and holds, what MariaDB and Redis hold, and what the simulator was asked.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createConnection } from "mysql2/promise";
import { PulumiCli } from "../../cli/pulumi/runner";
import { siteRequest } from "../../tools/box/site-request";
import { SANDBOX_APP, SANDBOX_DOMAIN, type EmbeddedBox } from "../../tools/sandbox/embedded-default";
import { buildPreviewNames } from "../../stacks/naming";
import { describeBox, redisDbsHolding, withRedis } from "../support/box";
import { testServices } from "../support/services";
import { type CliProject, runBin, startCliProject } from "./cli-project";
import { forgeWrites } from "./preview-workspace";

jest.setTimeout(600_000);

const PR = 61;
const names = buildPreviewNames({ app: SANDBOX_APP, pr: PR, isDefaultApp: true, previewDomain: SANDBOX_DOMAIN });

describeBox("a preview of the demo app on the box, through the operations CLI", () => {
  const services = testServices();
  let cli: CliProject;
  let box: EmbeddedBox;
  let sha: string;
  let auth: { username: string; password: string };

  const up = async () => {
    const run = await runBin(["up", "--pr", String(PR), "--branch", "main", "--sha", sha], cli.project, cli.env);
    if (run.code !== 0) throw new Error(`up failed (${run.code}):\n${run.stderr.slice(-4000)}`);
    return run;
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
  /** Every key under the preview's prefix, as `db:key`, in all 16 Redis databases. */
  const prefixedKeys = () =>
    withRedis(services, async (client) => {
      const found: string[] = [];
      for (let db = 0; db < 16; db++) {
        await client.select(db);
        for (const key of await client.keys(`${names.redisPrefix}*`)) found.push(`${db}:${key}`);
      }
      return found;
    });

  beforeAll(async () => {
    cli = await startCliProject("box-preview", { box: true });
    box = cli.embedded.box!;
    sha = execFileSync("git", ["-C", box.repository, "rev-parse", "main"], { encoding: "utf8" }).trim();
    await up();
    const pulumi = new PulumiCli({ cwd: cli.project, binDir: cli.binDir, env: cli.baseEnv });
    const output = async (key: string) =>
      (await pulumi.runChecked(["stack", "output", key, "--show-secrets", "--stack", names.stack], "")).stdout.trim();
    auth = { username: await output("basicAuthUser"), password: await output("basicAuthPassword") };
  });

  afterAll(async () => {
    // After a failure on the way, `destroy` removes what the stack made, and the box whatever its sites still hold.
    if (cli !== undefined && box !== undefined && box.host.sites().length > 0) {
      await runBin(["destroy", "--app", SANDBOX_APP, "--pr", String(PR)], cli.project, cli.baseEnv);
      await box.agent.idle();
      for (const site of box.host.sites()) await box.host.deleteSite(site).catch(() => undefined);
    }
    await cli?.dispose();
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

  it("leaves no Linux user, pool, server block, supervisor program, site directory, database, Redis key or certificate after `destroy`", async () => {
    const siteDirectory = `/home/${names.linuxUser}`;
    const run = await runBin(["destroy", "--app", SANDBOX_APP, "--pr", String(PR)], cli.project, cli.baseEnv);
    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({ code: 0, stderr: "" });
    await box.agent.idle();

    await expect(box.host.leaks()).resolves.toEqual([]);
    expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`^${names.linuxUser}:`, "m"));
    expect(() => execFileSync("test", ["-e", siteDirectory])).toThrow();
    expect(await sql<unknown[]>(`SHOW DATABASES LIKE '${names.database}'`)).toEqual([]);
    expect(await sql<unknown[]>(`SELECT User FROM mysql.user WHERE User = '${names.databaseUser}'`)).toEqual([]);
    expect(await prefixedKeys()).toEqual([]);
  });
});
