import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SlidingWindowRateLimiter, type ForgeClient } from "../../../../providers/forge";
import { boxAgent, type BoxAgent } from "../../../../tools/box/agent";
import { BoxHost } from "../../../../tools/box/host";
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
  type DemoDatabase,
} from "../../../support/box";
import { SERVER_ID, startHarness, type Harness } from "../../../support/forge-simulator";
import { testServices } from "../../../support/services";

/**
 * Forge's API, answered by the simulator, carried out by the box: two isolated previews of the demo app, created,
 * configured, deployed and removed through the same client calls the providers make.
 */
jest.setTimeout(240_000);

const REPOSITORY = "acme/demo";
const auth = { username: "preview", password: randomBytes(12).toString("hex") };

interface Preview {
  pr: number;
  domain: string;
  user: string;
  redisDb: number;
  siteId: number;
  database: DemoDatabase;
}

describeBox("the simulator's host hooks carried out by the box", () => {
  const services = testServices();
  let dir: string;
  let box: BoxServices;
  let host: BoxHost;
  let agent: BoxAgent;
  let harness: Harness;
  let forge: ForgeClient;
  const previews: Preview[] = [];

  const until = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const deploy = async (preview: Preview) => {
    const started = await forge.deployments.create(SERVER_ID, preview.siteId);
    const ended = await until(
      `deployment ${started.id} ended`,
      () => forge.deployments.get(SERVER_ID, preview.siteId, started.id),
      (deployment) => deployment.status === "finished" || deployment.status === "failed",
    );
    return { status: ended.status, log: await forge.deployments.getLog(SERVER_ID, preview.siteId, started.id) };
  };

  beforeAll(async () => {
    dir = boxTempDir("box-agent-");
    box = await startBoxServices({ dir: join(dir, "box") });
    host = new BoxHost(box);
    const bare = await host.publishRepository("demo", join(__dirname, "../../../../tools/box/demo-app"));
    agent = boxAgent({ host, repositories: { [REPOSITORY]: bare }, statusIntervalMs: 200 });
    harness = await startHarness({ agent, rateLimitPerMinute: 0 });
    // Real time, no rate limit: the box's work takes real seconds, which the polls below wait out.
    forge = harness.client({
      pageSize: 30,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      limiter: new SlidingWindowRateLimiter({ limit: 100_000 }),
    });
    for (const pr of [8, 9]) {
      const user = `boxagent-pr${pr}`;
      const domain = `pr-${pr}.box.test`;
      const site = await forge.sites.create(SERVER_ID, {
        type: "laravel",
        name: domain,
        isIsolated: true,
        isolatedUser: user,
        phpVersion: "php82",
        zeroDowntimeDeployments: false,
        webDirectory: "/public",
        sourceControlProvider: "github",
        repository: REPOSITORY,
        branch: "main",
      });
      const database = await createDemoDatabase(services, `boxagent_pr_${pr}`, `boxagent_pr${pr}`);
      previews.push({ pr, domain, user, redisDb: pr, siteId: site.id, database });
    }
  });

  afterAll(async () => {
    await agent?.idle();
    agent?.close();
    for (const site of host?.sites() ?? []) await host.deleteSite(site).catch(() => undefined);
    await harness?.sim.close();
    await box?.stop();
    for (const preview of previews) {
      await preview.database.drop();
      await dropRedisKeys(services, preview.redisDb, `boxagent_pr${preview.pr}_`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("installs each site as its own Linux user and writes the .env through the API into a file only that user reads", async () => {
    for (const preview of previews) {
      await until(
        "the site is installed",
        () => forge.sites.get(preview.siteId),
        (site) => site.status === "installed",
      );
      await forge.environment.update(SERVER_ID, preview.siteId, {
        content: demoEnv(services, preview.database, { db: preview.redisDb, prefix: `boxagent_pr${preview.pr}_` }),
      });
      await agent.idle();
      await expect(forge.environment.get(SERVER_ID, preview.siteId)).resolves.toContain(`REDIS_DB=${preview.redisDb}`);
    }
    const [first, second] = previews as [Preview, Preview];
    const firstSite = host.site(first.siteId)!;
    const secondEnv = join(host.site(second.siteId)!.directory, ".env");
    const peek = await host.runAs(first.user, firstSite.directory, "cat", [secondEnv]);
    expect(peek.code).not.toBe(0);
    expect(peek.output).toMatch(/Permission denied/);
  });

  it("deploys both previews at once with the project's script, each as its own user", async () => {
    for (const preview of previews) {
      const site = host.site(preview.siteId)!;
      await forge.deployments.updateScript(SERVER_ID, preview.siteId, {
        content: demoDeploymentScript(site.directory),
      });
    }
    const results = await Promise.all(previews.map(deploy));
    for (const result of results) {
      expect(result.log).toContain("Restarting FPM...");
      expect(result.status).toBe("finished");
    }
  });

  it("fails a deployment whose script fails, with its output in the log, and a fixed one succeeds again", async () => {
    const preview = previews[1]!;
    const content = (await forge.deployments.getScript(SERVER_ID, preview.siteId)).content ?? "";
    const broken = `${content}$FORGE_PHP artisan migrate:status --database=no_such_connection\n`;
    await forge.deployments.updateScript(SERVER_ID, preview.siteId, { content: broken });
    const failed = await deploy(preview);
    expect(failed.status).toBe("failed");
    expect(failed.log).toContain("no_such_connection");
    await forge.deployments.updateScript(SERVER_ID, preview.siteId, { content });
    await expect(deploy(preview)).resolves.toMatchObject({ status: "finished" });
  });

  it("runs the worker under supervisor, restarts it on Forge's action, protects the site with basic auth and serves it with an ACME certificate", async () => {
    const preview = previews[0]!;
    const site = host.site(preview.siteId)!;
    const worker = await forge.backgroundProcesses.create(SERVER_ID, {
      name: `boxagent-pr-${preview.pr}-worker`,
      command: demoWorkerCommand(site, `boxagent-pr-${preview.pr}-worker`),
      user: "root",
      processes: 1,
      siteId: preview.siteId,
      startsecs: 1,
      stopwaitsecs: 90,
      stopsignal: "SIGTERM",
    });
    await until(
      "supervisor reports the worker RUNNING",
      () => forge.backgroundProcesses.get(SERVER_ID, worker.id),
      (p) => p.status === "running",
    );

    const rule = await forge.securityRules.create(SERVER_ID, preview.siteId, { name: "preview", credentials: [auth] });
    await until(
      "the rule is installed",
      () => forge.securityRules.get(SERVER_ID, preview.siteId, rule.id),
      (r) => r.status === "installed",
    );
    const domain = harness.sim.state().domains.find((item) => item.siteId === preview.siteId)!;
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, preview.siteId, domain.id);
    await until(
      "the certificate is installed and active",
      () => forge.certificates.get(SERVER_ID, preview.siteId, domain.id, certificate.id),
      (c) => c.status === "installed" && c.active === true,
    );

    expect((await siteRequest(box, preview.domain, "/health")).status).toBe(401);
    const answer = await siteRequest(box, preview.domain, "/health", auth);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: "healthy",
      worker_user: preview.user,
      redis_db: preview.redisDb,
    });

    // Forge's restart action reaches supervisor: the worker comes back RUNNING as a new process.
    const workerPid = async (): Promise<string | undefined> =>
      new RegExp(`^box-process-${worker.id}:\\S+\\s+RUNNING\\s+pid (\\d+)`, "m").exec(
        (await box.supervisorctl(["status"])).output,
      )?.[1];
    const before = await workerPid();
    expect(before).toMatch(/^\d+$/);
    await forge.backgroundProcesses.action(SERVER_ID, worker.id, "restart");
    await agent.idle();
    await until(
      "supervisor reports the restarted worker RUNNING",
      () => forge.backgroundProcesses.get(SERVER_ID, worker.id),
      (p) => p.status === "running",
    );
    const after = await workerPid();
    expect(after).toMatch(/^\d+$/);
    expect(after).not.toBe(before);

    await forge.backgroundProcesses.delete(SERVER_ID, worker.id);
    await agent.idle();
    await expect(forge.backgroundProcesses.get(SERVER_ID, worker.id)).rejects.toThrow();
  });

  it("removes both sites with everything the box made for them: the leak report is empty", async () => {
    for (const preview of previews) await forge.sites.delete(SERVER_ID, preview.siteId);
    await agent.idle();
    for (const preview of previews) {
      expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`^${preview.user}:`, "m"));
      expect(existsSync(`/home/${preview.user}`)).toBe(false);
    }
    await expect(host.leaks()).resolves.toEqual([]);
  });
});
