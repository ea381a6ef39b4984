// A pool of two Forge servers under the real engine: two server ids in the simulator, each with its own MariaDB (this
// run's, and a second one started here) behind the one sshd. New previews are placed by the headroom the injected
// measure reports (over the real SSH measurement), keep their server on later runs, are destroyed on their own server,
// and the snapshots stack refreshes the master on both.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import * as path from "node:path";
import type { Connection } from "mysql2/promise";
import { type ServerReading, measureOverSsh } from "../../cli/pool/measure";
import { runDoctor } from "../../cli/commands/doctor";
import * as operations from "../../cli/operations";
import { readConfigSource } from "../../cli/cli-config";
import { applyPreviewConfig } from "../../cli/pulumi/preview-config";
import { PulumiCli } from "../../cli/pulumi/runner";
import { createStack } from "../../cli/pulumi/stacks";
import type { PoolServer } from "../../stacks/server-pool";
import { type LocalServices, startLocalServices } from "../../tools/sandbox/local-services";
import { countOf, createMaster, dropDatabases, listDatabases } from "../support/master-fixture";
import { testServices } from "../support/services";
import { type CliProject, startCliProject } from "./cli-project";

jest.setTimeout(900_000);

const SHA = "4444444444444444444444444444444444444444";

describe("previews on a pool of two servers", () => {
  const app = `pool${randomBytes(3).toString("hex")}`;
  const master = `${app}_master`;
  const production = `${app}_live`;
  const first = testServices();
  let second: LocalServices;
  let cli: CliProject;
  let ctx: operations.OperationsContext;
  let pulumi: PulumiCli;
  const progress: string[] = [];
  /** The server the injected measure shows almost full; null: measuring at all fails the test. */
  let fuller: number | null = 1;
  const readings: Array<[number, ServerReading]> = [];

  /** A root connection to the first (1) or second (2) server's MariaDB. */
  async function onServer<T>(id: 1 | 2, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const mysql = await import("mysql2/promise");
    const endpoint = id === 1 ? first.mariadb : second.mariadb!;
    const conn = await mysql.createConnection({
      socketPath: endpoint.socket,
      user: "root",
      password: first.mariadb.password,
      multipleStatements: true,
    });
    try {
      return await fn(conn);
    } finally {
      await conn.end();
    }
  }
  const previewDatabases = async (id: 1 | 2): Promise<string[]> =>
    (await onServer(id, listDatabases)).filter((name) => name.startsWith(`${app}_pr_`));
  const configOf = async (stack: string, key: string): Promise<string> =>
    (await pulumi.runChecked(["config", "get", key, "--stack", stack], "")).stdout.trim();
  /** The writes the simulator received for `server` from `from` until `to`. */
  const writesTo = (server: number, from: number, to: number): string[] =>
    cli.embedded.simulator.requests
      .filter((r) => r.at >= from && r.at < to && r.method !== "GET" && r.path.includes(`/servers/${server}/`))
      .map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    second = await startLocalServices({ only: ["mariadb"] });
    const mariadb = second.mariadb!;
    // One MySQL account for the pool, as on Forge servers provisioned alike: the second server takes the first's password.
    const mysql = await import("mysql2/promise");
    const setup = await mysql.createConnection({
      socketPath: mariadb.socket,
      user: "root",
      password: mariadb.password,
    });
    try {
      for (const host of ["localhost", "127.0.0.1", "::1", "%"])
        await setup.query("ALTER USER 'root'@? IDENTIFIED BY ?", [host, first.mariadb.password]);
    } finally {
      await setup.end();
    }
    // Production only: the snapshots stack makes each server's master (the first test).
    for (const id of [1, 2] as const) await onServer(id, (conn) => createMaster(conn, { name: production }));
    const server2: PoolServer = {
      forgeServerId: 2,
      sshHost: first.ssh.host,
      sshPort: first.ssh.port,
      sshHostKeyFingerprint: first.ssh.hostKeyFingerprint,
      mysqlSocket: mariadb.socket,
      mysqlDataDir: mariadb.dataDir,
    };
    cli = await startCliProject("server-pool", {
      simulator: {
        servers: [
          { id: 1, name: "sandbox" },
          {
            id: 2,
            name: "sandbox-2",
            mariadb: { host: mariadb.host, port: mariadb.port, user: "root", password: first.mariadb.password },
          },
        ],
      },
      config: {
        apps: { [app]: { repository: "acme/demo", masterDatabase: master, productionDatabase: production } },
        defaultApp: app,
        redisSlotRange: "12-13",
        maxEnvironments: "2",
        poolServers: [server2],
      },
    });
    pulumi = new PulumiCli({ cwd: cli.project, binDir: cli.binDir, env: cli.baseEnv });
    const real = measureOverSsh(
      {
        sshUser: first.ssh.user,
        privateKey: first.ssh.privateKey,
        mysqlUser: first.mariadb.user,
        mysqlPassword: first.mariadb.password,
      },
      master,
    );
    ctx = await operations.createOperationsContext({
      cwd: cli.project,
      env: cli.env,
      onProgress: (line) => progress.push(line),
    });
    // The real measurement runs; only the server named `fuller` is then shown at 95% memory.
    ctx.measure = async (server) => {
      if (fuller === null) throw new Error(`server ${server.forgeServerId} was measured again`);
      const reading = await real(server);
      readings.push([server.forgeServerId, reading]);
      if (server.forgeServerId !== fuller) return reading;
      const { memoryTotalBytes } = reading.metrics;
      return { ...reading, metrics: { ...reading.metrics, memoryUsedBytes: Math.round(memoryTotalBytes * 0.95) } };
    };
  });

  afterAll(async () => {
    await cli?.dispose();
    await second?.stop();
    await onServer(1, (conn) => dropDatabases(conn, production, master, `${master}_fpstaging`));
  });

  it("the snapshots stack refreshes the master on both servers, each from its own production", async () => {
    // A row only this server's production has, to tell which production each master came from.
    for (const id of [1, 2] as const) {
      await onServer(id, (conn) =>
        conn.query(`INSERT INTO \`${production}\`.customers (email, name) VALUES (?, 'Pool')`, [
          `on-${id}@example.test`,
        ]),
      );
    }
    await createStack(pulumi, "snapshots", null);
    await applyPreviewConfig(pulumi, {
      projectDir: cli.project,
      env: cli.env,
      stack: "snapshots",
      source: readConfigSource(cli.env),
      perStack: {},
    });

    await pulumi.runChecked(["up", "--stack", "snapshots", "--yes", "--skip-preview"], "the snapshots stack's up", {
      timeoutMs: 600_000,
    });

    for (const id of [1, 2] as const) {
      const other = id === 1 ? 2 : 1;
      const has = (email: string) =>
        onServer(id, (conn) =>
          countOf(conn, `SELECT COUNT(*) AS n FROM \`${master}\`.customers WHERE email = '${email}'`),
        );
      expect([id, await has(`on-${id}@example.test`), await has(`on-${other}@example.test`)]).toStrictEqual([id, 1, 0]);
    }
    const outputs = JSON.parse(
      (await pulumi.runChecked(["stack", "output", "--stack", "snapshots", "--json"], "")).stdout,
    ) as { snapshots: Record<string, unknown>; poolSnapshots: Record<string, Record<string, unknown>> };
    expect(Object.keys(outputs.snapshots)).toStrictEqual([app]);
    expect(Object.keys(outputs.poolSnapshots)).toStrictEqual(["2"]);
    expect(outputs.poolSnapshots["2"]?.[app]).toMatchObject({ sealed: true });
    expect(await onServer(2, listDatabases)).not.toContain(`${master}_fpstaging`);
  });

  it("doctor checks the second server as it does the first: Forge, SSH with its own pinned key, its master", async () => {
    const lookup = (): Promise<string[]> => Promise.resolve(["127.0.0.1"]);
    const name = `pool server 2 (${first.ssh.host}:${first.ssh.port})`;

    const results = await runDoctor({ env: cli.env, cwd: cli.project, lookup });

    expect(results.filter((r) => r.status !== "ok")).toStrictEqual([]);
    const pooled = results.find((r) => r.name === name);
    expect(pooled?.detail).toContain("2 (sandbox-2) is ready;");
    expect(pooled?.detail).toContain(`${master} present; `);
    expect(pooled?.detail).toMatch(new RegExp(`; \\S+ for \`${master}\` as `));

    // The same server under a host key it does not have: refused, with the fix, and nothing else fails.
    const config = JSON.parse(cli.env.FORGE_PREVIEWS_CONFIG ?? "{}") as { poolServers: PoolServer[] };
    const wrongKey = `SHA256:${"A".repeat(43)}`;
    config.poolServers = config.poolServers.map((server) => ({ ...server, sshHostKeyFingerprint: wrongKey }));
    const refused = await runDoctor({
      env: { ...cli.env, FORGE_PREVIEWS_CONFIG: JSON.stringify(config) },
      cwd: cli.project,
      lookup,
    });
    expect(refused.filter((r) => r.status !== "ok").map((r) => [r.name, r.status])).toStrictEqual([[name, "fail"]]);
    expect(refused.find((r) => r.name === name)?.fix).toBe(
      "update its sshHostKeyFingerprint only after checking the key on the server",
    );
  });

  it("places each new preview on the server with the most headroom that has the app's master", async () => {
    fuller = 1;
    await operations.upPreview({ app: null, pr: 41, branch: "feature/a", sha: SHA }, ctx);
    fuller = 2;
    await operations.upPreview({ app: null, pr: 42, branch: "feature/b", sha: SHA }, ctx);

    expect(progress).toContainEqual(expect.stringMatching(/^placing pr-41: server 2 \(.*\) has the most headroom/));
    expect(progress).toContainEqual(expect.stringMatching(/^placing pr-42: server 1 \(.*\) has the most headroom/));
    expect(await configOf("pr-41", "forgeServerId")).toBe("2");
    expect(await configOf("pr-41", "mysqlSocket")).toBe(second.mariadb!.socket);
    expect(await configOf("pr-42", "forgeServerId")).toBe("1");
    const sites = cli.embedded.simulator.state().sites.map((site) => [site.name, site.serverId]);
    expect(sites).toEqual(
      expect.arrayContaining([
        ["pr-41.sandbox.test", 2],
        ["pr-42.sandbox.test", 1],
      ]),
    );
    expect(await previewDatabases(2)).toStrictEqual([`${app}_pr_41`]);
    expect(await previewDatabases(1)).toStrictEqual([`${app}_pr_42`]);
    // Each clone is of its own server's master (the snapshots stack put one marked row in each).
    const pool = (id: 1 | 2, db: string) =>
      onServer(id, (conn) => countOf(conn, `SELECT COUNT(*) AS n FROM \`${db}\`.customers WHERE name = 'Pool'`));
    expect(await pool(2, `${app}_pr_41`)).toBe(1);
    expect(await pool(1, `${app}_pr_42`)).toBe(1);
    // Under the injected figures, the real SSH measurement read both servers: memory, the datadir's volume, the master.
    for (const id of [1, 2]) {
      const reading = readings.find(([server]) => server === id)?.[1];
      expect(reading?.hasMaster).toBe(true);
      expect(reading?.metrics.memoryTotalBytes).toBeGreaterThan(0);
      expect(reading?.metrics.disks[0]?.totalBytes).toBeGreaterThan(0);
    }
  });

  it("measures a new PR's headroom on the server it would be placed on, the one a /preview then refuses or admits by", async () => {
    const dir = (path: string | undefined): string | undefined => path?.replace(/\/+$/, "");
    fuller = 1;

    const onSecond = await operations.checkHeadroom({ app: null, pr: 43 }, ctx);
    fuller = 2;
    const onFirst = await operations.checkHeadroom({ app: null, pr: 43 }, ctx);

    expect(progress).toContainEqual(expect.stringMatching(/^placing pr-43: server 2 /));
    expect(progress).toContainEqual(expect.stringMatching(/^placing pr-43: server 1 /));
    expect(dir(onSecond?.measured.mysqlDisk.path)).toBe(dir(second.mariadb!.dataDir));
    expect(dir(onFirst?.measured.mysqlDisk.path)).not.toBe(dir(second.mariadb!.dataDir));
  });

  it("keeps a preview on its server on a later up, read back without its stack file and without measuring", async () => {
    fuller = null;
    await rm(path.join(cli.project, "Pulumi.pr-41.yaml"));
    const since = Date.now();

    const result = await operations.upPreview({ app: null, pr: 41, branch: "feature/a", sha: SHA }, ctx);

    expect(Object.keys(result.changes)).toStrictEqual(["same"]);
    expect(await configOf("pr-41", "forgeServerId")).toBe("2");
    expect(cli.embedded.simulator.requests.filter((r) => r.at >= since && r.path.includes("/servers/1/"))).toEqual([]);
  });

  it("destroys each preview on its own server and leaves nothing on either", async () => {
    const since = Date.now();
    await operations.destroyPreview({ app: null, pr: 41 }, ctx);
    const between = Date.now();
    await operations.destroyPreview({ app: null, pr: 42 }, ctx);

    const siteDeletes = (writes: string[]) => writes.filter((w) => /^DELETE .*\/sites\/\d+$/.test(w));
    expect(siteDeletes(writesTo(2, since, between))).toHaveLength(1);
    expect(writesTo(1, since, between)).toEqual([]);
    expect(siteDeletes(writesTo(1, between, Date.now()))).toHaveLength(1);
    expect(writesTo(2, between, Date.now())).toEqual([]);
    expect(cli.embedded.simulator.state().sites.filter((site) => site.name.startsWith("pr-4"))).toEqual([]);
    expect(await previewDatabases(1)).toStrictEqual([]);
    expect(await previewDatabases(2)).toStrictEqual([]);
    const stacks = JSON.parse((await pulumi.runChecked(["stack", "ls", "--json"], "")).stdout) as Array<{
      name: string;
    }>;
    expect(stacks.map((stack) => stack.name)).toStrictEqual(["snapshots"]);
  });

  it("creates a /preview's stack where its headroom check placed it, measuring no server again", async () => {
    fuller = 1;
    await operations.checkHeadroom({ app: null, pr: 44 }, ctx);
    // Any further measurement of a server fails the test.
    fuller = null;

    // With a copy of the context, as the GitHub handler passes its own progress to `up`.
    await operations.upPreview({ app: null, pr: 44, branch: "feature/d", sha: SHA }, { ...ctx });

    expect(progress.filter((line) => line.startsWith("placing pr-44: "))).toHaveLength(1);
    expect(await configOf("pr-44", "forgeServerId")).toBe("2");
    expect(await previewDatabases(2)).toStrictEqual([`${app}_pr_44`]);
    await operations.destroyPreview({ app: null, pr: 44 }, ctx);
    expect(await previewDatabases(2)).toStrictEqual([]);
  });
});
