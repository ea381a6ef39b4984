import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { BoxHost, type BoxSite } from "../../../../tools/box/host";
import { startBoxServices, type BoxServices } from "../../../../tools/box/services";
import { siteRequest } from "../../../../tools/box/site-request";
import {
  boxTempDir,
  createDemoDatabase,
  demoDeploymentScript,
  demoEnv,
  demoWorkerCommand,
  describeBox,
  dropRedisKeys,
  redisDbsHolding,
  type DemoDatabase,
} from "../../../support/box";
import { testServices } from "../../../support/services";

/**
 * The demo app on the box, driven directly (no simulator, no Pulumi): the project's own deployment script and worker
 * command, run as an isolated Linux user against this run's MariaDB and Redis, served by nginx with basic auth and an
 * ACME certificate from Pebble.
 */

jest.setTimeout(180_000);

const DOMAIN = "pr-7.box.test";
const USER = "boxtest-pr7";
const DATABASE = "boxtest_pr_7";
const REDIS_DB = 5;
const REDIS_PREFIX = "boxtest_pr7_";
const PROCESS_ID = 70;
const auth = { username: "preview", password: randomBytes(12).toString("hex") };

describeBox("the demo app deployed on the box", () => {
  const services = testServices();
  let dir: string;
  let box: BoxServices;
  let host: BoxHost;
  let site: BoxSite;
  let database: DemoDatabase;
  const env = (overrides: Record<string, string> = {}) =>
    demoEnv(services, database, { db: REDIS_DB, prefix: REDIS_PREFIX }, overrides);

  beforeAll(async () => {
    dir = boxTempDir("box-demo-");
    box = await startBoxServices({ dir: join(dir, "box") });
    host = new BoxHost(box);
    database = await createDemoDatabase(services, DATABASE, USER.replace("-", "_"));
    const repository = await host.publishRepository("demo", join(__dirname, "../../../../tools/box/demo-app"));
    site = await host.createSite({
      id: 7,
      name: DOMAIN,
      user: USER,
      webDirectory: "/public",
      repository,
      branch: "main",
    });
  });

  afterAll(async () => {
    if (host !== undefined) {
      await host.removeProgram(PROCESS_ID).catch(() => undefined);
      const left = host.site(7);
      if (left) await host.deleteSite(left).catch(() => undefined);
    }
    await box?.stop();
    await database?.drop();
    await dropRedisKeys(services, REDIS_DB, REDIS_PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it("clones the app as the site's user and keeps its .env owned by that user, mode 600", () => {
    expect(statSync(join(site.directory, "artisan")).uid).toBe(statSync(site.directory).uid);
    host.writeEnv(site, env());
    const stat = statSync(join(site.directory, ".env"));
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.uid).toBe(statSync(join(site.directory, "artisan")).uid);
    expect(host.readEnv(site)).toContain(`DB_DATABASE=${DATABASE}`);
  });

  it("runs the project's deployment script as the site's user: composer, the FPM reload through sudo, migrate", async () => {
    const script = demoDeploymentScript(site.directory);
    const result = await host.deploy(site, 1, script, "main");
    expect(result.output).toContain("Restarting FPM...");
    expect(result.output).toMatch(/Migrat(ed|ing)/);
    expect(result.code).toBe(0);
  });

  it("runs the worker as a supervisor program that drops to the site's user", async () => {
    const command = demoWorkerCommand(site, "boxtest-pr-7-worker");
    await host.addProgram(PROCESS_ID, {
      command,
      user: "root",
      directory: null,
      processes: 1,
      startsecs: 1,
      stopwaitsecs: 90,
      stopsignal: "SIGTERM",
    });
    const deadline = Date.now() + 20_000;
    let state = await host.programState(PROCESS_ID);
    while (state !== "running" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = await host.programState(PROCESS_ID);
    }
    expect(state).toBe("running");
  });

  it("serves /health over HTTPS with basic auth: the clone's rows, its own Redis DB, a job the worker ran as the site's user", async () => {
    await host.installSecurityRule(site, { id: 71, name: "preview", path: null, credentials: [auth] });
    const issued = await host.requestCertificate(site);
    if (issued.code !== 0) throw new Error(`certbot failed:\n${issued.output}`);

    const denied = await siteRequest(box, DOMAIN, "/health");
    expect(denied.status).toBe(401);
    const answer = await siteRequest(box, DOMAIN, "/health", auth);
    const health = JSON.parse(answer.body) as Record<string, unknown>;
    expect(answer.status).toBe(200);
    expect(health).toMatchObject({
      status: "healthy",
      database: "connected",
      redis: "connected",
      queue: "running",
      customers: 3,
      first_customer: "ada@example.test",
      redis_db: REDIS_DB,
      worker_user: USER,
    });
    expect(health.disk_space).toMatch(/^\d+\.\d GB free$/);
    // The process that ran the job belongs to the site's user, as the kernel sees it.
    const siteUid = statSync(site.directory).uid;
    expect(readFileSync(`/proc/${Number(health.worker_pid)}/status`, "utf8")).toMatch(
      new RegExp(`^Uid:\\s+${siteUid}\\s+${siteUid}\\s`, "m"),
    );
    const key = String(health.redis_key);
    const dbsHolding = await redisDbsHolding(services, key);
    expect(dbsHolding).toEqual([REDIS_DB]);
  });

  it("refuses a security rule path that would reach into nginx's configuration, and keeps serving", async () => {
    const rule = { id: 72, name: "bad", path: "/x { return 200; } location /y", credentials: [auth] };
    await expect(host.installSecurityRule(site, rule)).rejects.toThrow(/must be a plain URL path/);
    expect((await siteRequest(box, DOMAIN, "/health", auth)).status).toBe(200);
  });

  it("answers 503 naming the database when the .env points at a database that does not exist", async () => {
    host.writeEnv(site, env({ DB_DATABASE: "boxtest_missing" }));
    // The deployment cached the config; clearing it makes PHP read the new .env, as a redeploy would.
    const cleared = await host.runAs(USER, site.directory, "/usr/bin/php8.2", ["artisan", "config:clear"]);
    expect(cleared.code).toBe(0);
    const answer = await siteRequest(box, DOMAIN, "/health", auth);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: "unhealthy",
      failing: expect.arrayContaining(["database"]),
    });
  });

  it("removes the site, its pool, server block, certificate, worker and user, and reports no leak", async () => {
    await host.removeProgram(PROCESS_ID);
    await host.deleteSite(site);
    expect(existsSync(site.directory)).toBe(false);
    expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`^${USER}:`, "m"));
    await expect(host.leaks()).resolves.toEqual([]);
    // The box's default TLS server answers now, with a certificate no ACME root vouches for.
    await expect(siteRequest(box, DOMAIN, "/health", auth)).rejects.toThrow(/self-signed certificate/);
  });
});
