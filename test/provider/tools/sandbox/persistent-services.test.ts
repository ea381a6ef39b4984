import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";
import { Client } from "ssh2";
import {
  RecordedPortTakenError,
  sshFingerprint,
  startLocalServices,
  type LocalServices,
  type SshEndpoint,
} from "../../../../tools/sandbox/local-services";

jest.setTimeout(180_000);

const newDir = () => join(mkdtempSync(join(tmpdir(), "persistent-services-test-")), "services");

/** Logs in with `e`'s key, accepting only the host key whose fingerprint `e` names, and runs `whoami`. */
function whoami(e: SshEndpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("error", reject);
    client.once("ready", () => {
      client.exec("whoami", (error, channel) => {
        if (error) return reject(error);
        let out = "";
        channel.on("data", (d: Buffer) => (out += d.toString()));
        channel.on("close", () => {
          client.end();
          resolve(out.trim());
        });
      });
    });
    client.connect({
      host: e.host,
      port: e.port,
      username: e.user,
      privateKey: e.privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === e.hostKeyFingerprint,
    });
  });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe("startLocalServices with persistent: true", () => {
  let own: LocalServices | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await own?.stop();
    own = undefined;
    for (const dir of dirs.splice(0)) rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("brings back a MariaDB table, a Redis key in DB 3, the SSH keys and fingerprint, the passwords and the ports", async () => {
    const dir = newDir();
    dirs.push(dir);
    own = await startLocalServices({ dir, persistent: true });
    const first = own;
    const [mariadb, redis, ssh] = [first.mariadb!, first.redis!, first.ssh!];

    const conn = await createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
    });
    await conn.query("CREATE DATABASE kept");
    await conn.query("CREATE TABLE kept.notes (id INT PRIMARY KEY, body VARCHAR(50)) ENGINE=InnoDB");
    await conn.query("INSERT INTO kept.notes VALUES (1, 'survives a restart')");
    await conn.end();
    const client = createClient({
      socket: { host: redis.host, port: redis.port, reconnectStrategy: false },
      password: redis.password,
      database: 3,
    });
    await client.connect();
    await client.set("claim-like", "held by pr-1");
    expect(await client.configGet("appendonly")).toStrictEqual({ appendonly: "yes" });
    client.destroy();

    expect(JSON.parse(readFileSync(join(dir, "ports.json"), "utf8"))).toStrictEqual({
      mariadb: mariadb.port,
      redis: redis.port,
      ssh: ssh.port,
    });
    expect(
      [join(dir, "ports.json"), join(dir, "mariadb/root-password"), join(dir, "redis/password")].map(mode),
    ).toStrictEqual([0o600, 0o600, 0o600]);
    expect(readFileSync(join(dir, "mariadb/root-password"), "utf8").trim()).toBe(mariadb.password);

    await first.stop();
    // No buffer pool dump is left for the next start to load behind the first statements' backs.
    expect(existsSync(join(mariadb.dataDir, "ib_buffer_pool"))).toBe(false);
    own = await startLocalServices({ dir, persistent: true });
    expect(own.mariadb).toStrictEqual(mariadb);
    expect(own.redis).toStrictEqual(redis);
    expect(own.ssh).toStrictEqual(ssh);
    const conn2 = await createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
    });
    try {
      const [rows] = await conn2.query("SELECT id, body FROM kept.notes");
      expect(rows).toStrictEqual([{ id: 1, body: "survives a restart" }]);
      const [load] = await conn2.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_load_status'");
      expect(load).toStrictEqual([{ Variable_name: "Innodb_buffer_pool_load_status", Value: "" }]);
    } finally {
      await conn2.end();
    }
    const client2 = createClient({
      socket: { host: redis.host, port: redis.port, reconnectStrategy: false },
      password: redis.password,
      database: 3,
    });
    await client2.connect();
    try {
      expect(await client2.get("claim-like")).toBe("held by pr-1");
    } finally {
      client2.destroy();
    }
    // The endpoint from before the restart still logs in, host key check included.
    await expect(whoami(ssh)).resolves.toBe(ssh.user);
  });

  it("fails before starting anything when another process holds a recorded port, naming it and how to start afresh", async () => {
    const dir = newDir();
    dirs.push(dir);
    const first = await startLocalServices({ dir, persistent: true, only: ["redis", "ssh"] });
    const [redis, ssh] = [first.redis!, first.ssh!];
    await first.stop();

    const squatter = await listen(ssh.port);
    try {
      const start = startLocalServices({ dir, persistent: true, only: ["redis", "ssh"] });
      await expect(start).rejects.toBeInstanceOf(RecordedPortTakenError);
      await expect(start).rejects.toMatchObject({ service: "ssh", port: ssh.port });
      await expect(start).rejects.toThrow(
        `Port ${ssh.port} on 127.0.0.1, recorded for ssh in ${join(dir, "ports.json")} by an earlier run, is now taken by another process. ` +
          `Stop that process, or start afresh with new ports and empty data: \`rm -rf ${dir}\``,
      );
      expect(await refusesConnections(redis.port)).toBe(true);

      const hinted = startLocalServices({ dir, persistent: true, only: ["ssh"], resetHint: "`rm -rf .sandbox`" });
      await expect(hinted).rejects.toThrow(/empty data: `rm -rf \.sandbox`$/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }

    own = await startLocalServices({ dir, persistent: true, only: ["redis", "ssh"] });
    expect([own.redis?.port, own.ssh?.port]).toStrictEqual([redis.port, ssh.port]);
  });

  it("starts MariaDB afresh when an earlier first start never recorded its root password", async () => {
    const dir = newDir();
    dirs.push(dir);
    const first = await startLocalServices({ dir, persistent: true, only: ["mariadb"] });
    const mariadb = first.mariadb!;
    const conn = await createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
    });
    await conn.query("CREATE DATABASE from_the_interrupted_start");
    await conn.end();
    await first.stop();
    unlinkSync(join(dir, "mariadb/root-password"));

    own = await startLocalServices({ dir, persistent: true, only: ["mariadb"] });
    const again = own.mariadb!;
    expect(again.port).toBe(mariadb.port);
    expect(again.password).not.toBe(mariadb.password);
    expect(readFileSync(join(dir, "mariadb/root-password"), "utf8").trim()).toBe(again.password);
    const conn2 = await createConnection({
      host: again.host,
      port: again.port,
      user: again.user,
      password: again.password,
    });
    try {
      const [rows] = await conn2.query("SHOW DATABASES LIKE 'from_the_interrupted_start'");
      expect(rows).toStrictEqual([]);
    } finally {
      await conn2.end();
    }
  });

  it("refuses persistent mode without a dir, and without it refuses a dir an earlier run left", async () => {
    await expect(startLocalServices({ persistent: true, only: ["redis"] })).rejects.toThrow(
      "`persistent` needs `dir`: pass the directory whose data, keys and ports the next start reuses",
    );
    const dir = newDir();
    dirs.push(dir);
    const first = await startLocalServices({ dir, persistent: true, only: ["redis"] });
    await first.stop();
    await expect(startLocalServices({ dir, only: ["redis"] })).rejects.toThrow(
      `already holds "redis/" from an earlier run`,
    );
  });

  it("without persistent, keeps no Redis data and records no ports", async () => {
    const dir = newDir();
    dirs.push(dir);
    own = await startLocalServices({ dir, only: ["redis"] });
    const redis = own.redis!;
    const client = createClient({
      socket: { host: redis.host, port: redis.port, reconnectStrategy: false },
      password: redis.password,
    });
    await client.connect();
    try {
      expect(await client.configGet("appendonly")).toStrictEqual({ appendonly: "no" });
      expect(await client.configGet("save")).toStrictEqual({ save: "" });
    } finally {
      client.destroy();
    }
    expect(() => statSync(join(dir, "ports.json"))).toThrow(/ENOENT/);
    expect(() => statSync(join(dir, "redis/password"))).toThrow(/ENOENT/);
  });
});
