import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import {
  describeServices,
  MissingServiceBinaryError,
  ServiceStartError,
  sshFingerprint,
  startLocalServices,
  type LocalServices,
  type SshEndpoint,
} from "../../../../tools/sandbox/local-services";
import { findFreePort, withPortRetry } from "../../../../tools/sandbox/services/readiness";
import { isProcessAlive } from "../../../../tools/sandbox/services/process";
import { testServices } from "../../../support/services";

jest.setTimeout(120_000);

function connectSsh(config: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ readyTimeout: 10_000, ...config });
  });
}

function connectWithKey(e: SshEndpoint, privateKey: string, seenHostKeys: string[] = []): Promise<Client> {
  return connectSsh({
    host: e.host,
    port: e.port,
    username: e.user,
    privateKey,
    hostVerifier: (key: Buffer) => {
      seenHostKeys.push(sshFingerprint(key));
      return sshFingerprint(key) === e.hostKeyFingerprint;
    },
  });
}

function exec(client: Client, command: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let stdout = "";
      let stderr = "";
      channel.on("data", (d: Buffer) => (stdout += d.toString()));
      channel.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      channel.on("close", (code: number | null) => resolve({ stdout, stderr, code }));
    });
  });
}

function forwardTo(client: Client, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut("127.0.0.1", 0, "127.0.0.1", port, (error, channel) =>
      error ? reject(error) : resolve(channel),
    );
  });
}

/** Sends raw RESP to Redis without authenticating and returns the first reply line. */
function sendRaw(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(payload));
    let received = "";
    socket.on("data", (d: Buffer) => {
      received += d.toString();
      if (received.includes("\r\n")) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", reject);
  });
}

/** Live processes whose command line mentions `dir` (mariadbd and sshd do; redis-server rewrites its title). */
function processesMentioning(dir: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir) && isProcessAlive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("local services from the jest global setup", () => {
  const services = testServices();

  it("MariaDB stores and returns rows over TCP with the generated root password and real grants", async () => {
    const { host, port, user, password } = services.mariadb;
    const conn = await createConnection({ host, port, user, password });
    try {
      await conn.query("CREATE DATABASE IF NOT EXISTS local_services_test");
      await conn.query("CREATE TABLE IF NOT EXISTS local_services_test.notes (id INT PRIMARY KEY, body VARCHAR(50))");
      await conn.query("REPLACE INTO local_services_test.notes VALUES (1, 'hello from jest')");
      const [rows] = await conn.query("SELECT id, body FROM local_services_test.notes");
      expect(rows).toStrictEqual([{ id: 1, body: "hello from jest" }]);
      const [vars] = await conn.query(
        "SELECT @@innodb_file_per_table AS fpt, @@bind_address AS bind, @@log_bin AS binlog",
      );
      expect(vars).toStrictEqual([{ fpt: 1, bind: "127.0.0.1", binlog: 0 }]);
      const [grants] = await conn.query("SHOW GRANTS FOR CURRENT_USER()");
      expect(JSON.stringify(grants)).toContain("GRANT ALL PRIVILEGES ON *.* TO `root`@`127.0.0.1`");
      expect(JSON.stringify(grants)).toContain("WITH GRANT OPTION");
      await conn.query("DROP DATABASE local_services_test");
    } finally {
      await conn.end();
    }
  });

  it("MariaDB refuses a wrong password, so the grant tables are enforced", async () => {
    const { host, port, user } = services.mariadb;
    await expect(createConnection({ host, port, user, password: "wrong" })).rejects.toMatchObject({
      code: "ER_ACCESS_DENIED_ERROR",
    });
  });

  it("MariaDB accepts the same account on its Unix socket", async () => {
    const conn = await createConnection({
      socketPath: services.mariadb.socket,
      user: "root",
      password: services.mariadb.password,
    });
    try {
      const [rows] = await conn.query("SELECT @@datadir AS datadir");
      expect(rows).toStrictEqual([{ datadir: `${services.mariadb.dataDir}/` }]);
    } finally {
      await conn.end();
    }
  });

  it("Redis keeps a key in database 3 only, behind the generated password", async () => {
    const { host, port, password } = services.redis;
    const client = createClient({ socket: { host, port, reconnectStrategy: false }, password, database: 3 });
    await client.connect();
    const db0 = client.duplicate({ database: 0 });
    await db0.connect();
    try {
      await client.set("local-services-test", "in db 3");
      expect(await client.get("local-services-test")).toBe("in db 3");
      expect(await db0.get("local-services-test")).toBeNull();
      expect(await client.configGet("databases")).toStrictEqual({ databases: "16" });
      expect(await client.configGet("save")).toStrictEqual({ save: "" });
      await client.del("local-services-test");
    } finally {
      client.destroy();
      db0.destroy();
    }
    expect(await sendRaw(port, "GET local-services-test\r\n")).toMatch(/^-NOAUTH /);
  });

  it("SSH runs a command with the generated key and reports its stdout and exit code", async () => {
    const seenHostKeys: string[] = [];
    const client = await connectWithKey(services.ssh, services.ssh.privateKey, seenHostKeys);
    try {
      const result = await exec(client, 'echo "hello $(id -un)"; exit 3');
      expect(result).toStrictEqual({ stdout: `hello ${services.ssh.user}\n`, stderr: "", code: 3 });
    } finally {
      client.end();
    }
    expect(seenHostKeys).toStrictEqual([services.ssh.hostKeyFingerprint]);
  });

  it("SSH runs commands as nested bash shells, so the account's ~/.bashrc is not run (a Forge account's does nothing)", async () => {
    const client = await connectWithKey(services.ssh, services.ssh.privateKey);
    try {
      const result = await exec(client, 'printf "%s %s" "$SHLVL" "${BASH_VERSION:+bash}"');
      // bash skips ~/.bashrc for a command from sshd only when SHLVL, raised by one at its start, is above 1.
      expect(result.stdout).toMatch(/^(2 bash|1 )$/);
    } finally {
      client.end();
    }
  });

  it("SSH reports the host key fingerprint exactly as ssh-keygen -lf prints it", () => {
    const printed = execFileSync("ssh-keygen", ["-l", "-f", "-"], { input: services.ssh.hostPublicKey }).toString();
    expect(printed.split(" ")[1]).toBe(services.ssh.hostKeyFingerprint);
    expect(services.ssh.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(readFileSync(services.ssh.privateKeyPath, "utf8")).toBe(services.ssh.privateKey);
  });

  it("SSH refuses a client key that is not in authorized_keys", async () => {
    const keyDir = mkdtempSync(join(tmpdir(), "local-services-test-key-"));
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "other")]);
      const otherKey = readFileSync(join(keyDir, "other"), "utf8");
      await expect(connectWithKey(services.ssh, otherKey)).rejects.toMatchObject({ level: "client-authentication" });
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it("SSH forwards a TCP channel to Redis", async () => {
    const client = await connectWithKey(services.ssh, services.ssh.privateKey);
    try {
      const channel = await forwardTo(client, services.redis.port);
      const reply = await new Promise<string>((resolve, reject) => {
        let received = "";
        channel.on("data", (d: Buffer) => {
          received += d.toString();
          if (received.split("\r\n").length > 2) resolve(received);
        });
        channel.on("error", reject);
        channel.write(`AUTH ${services.redis.password}\r\nPING\r\n`);
      });
      expect(reply).toBe("+OK\r\n+PONG\r\n");
      channel.end();
    } finally {
      client.end();
    }
  });
});

describe("withPortRetry", () => {
  it("tries a fresh port when the service lost its port to another process, up to three attempts", async () => {
    const ports: number[] = [];
    const lost = () =>
      new ServiceStartError(
        "redis",
        "the process exited (code 1) before it was ready",
        "bind: Address already in use",
        true,
      );
    const result = await withPortRetry(undefined, async (port) => {
      ports.push(port);
      if (ports.length < 3) throw lost();
      return "started";
    });
    expect(result).toBe("started");
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBeGreaterThan(1);

    const attempts: number[] = [];
    await expect(
      withPortRetry(undefined, async (port) => {
        attempts.push(port);
        throw lost();
      }),
    ).rejects.toThrow("bind: Address already in use");
    expect(attempts).toHaveLength(3);
  });

  it("does not retry a fixed port or a failure other than a taken port", async () => {
    const calls: number[] = [];
    const failing = async (port: number): Promise<never> => {
      calls.push(port);
      throw new ServiceStartError(
        "ssh",
        "the process exited (code 255) before it was ready",
        "Address already in use",
        true,
      );
    };
    await expect(withPortRetry(2222, failing)).rejects.toBeInstanceOf(ServiceStartError);
    expect(calls).toStrictEqual([2222]);

    let otherCalls = 0;
    await expect(
      withPortRetry(undefined, async () => {
        otherCalls++;
        throw new Error("ssh-keygen failed");
      }),
    ).rejects.toThrow("ssh-keygen failed");
    expect(otherCalls).toBe(1);
  });
});

describe("startLocalServices / stop", () => {
  let own: LocalServices | undefined;

  afterEach(async () => {
    await own?.stop();
    own = undefined;
  });

  it("uses a requested port and, on stop, ends every daemon, open SSH sessions included, and removes its dir", async () => {
    const redisPort = await findFreePort();
    own = await startLocalServices({ ports: { redis: redisPort } });
    const { dir } = own;
    expect(own.redis?.port).toBe(redisPort);
    expect(describeServices(own)).toStrictEqual(JSON.parse(JSON.stringify(describeServices(own))));
    expect(describeServices(own)).not.toHaveProperty("stop");

    const pids = ["mariadb/mariadbd.pid", "redis/redis.pid", "ssh/sshd.pid"].map((f) =>
      Number(readFileSync(join(dir, f), "utf8")),
    );
    expect(pids.map(isProcessAlive)).toStrictEqual([true, true, true]);
    expect(processesMentioning(dir).sort()).toStrictEqual([pids[0], pids[2]].sort());

    // A session left open by a careless test must not survive stop() either.
    const ssh = own.ssh as SshEndpoint;
    const client = await connectWithKey(ssh, ssh.privateKey);
    client.on("error", () => undefined);
    const sessionPid = await new Promise<number>((resolve, reject) => {
      client.exec("echo $$; exec sleep 300", (error, channel) => {
        if (error) return reject(error);
        channel.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      });
    });
    expect(isProcessAlive(sessionPid)).toBe(true);

    await own.stop();
    client.end();
    expect([...pids, sessionPid].map(isProcessAlive)).toStrictEqual([false, false, false, false]);
    expect(processesMentioning(dir)).toStrictEqual([]);
    expect(existsSync(dir)).toBe(false);
    await expect(own.stop()).resolves.toBeUndefined();
  });

  it("keeps a caller-supplied dir and its files after stop", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "local-services-test-")), "services");
    try {
      own = await startLocalServices({ dir, only: ["redis"] });
      expect(own).toMatchObject({ dir, redis: { host: "127.0.0.1" } });
      expect(own).not.toHaveProperty("mariadb");
      expect(own).not.toHaveProperty("ssh");
      const pid = Number(readFileSync(join(dir, "redis/redis.pid"), "utf8"));
      await own.stop();
      expect(isProcessAlive(pid)).toBe(false);
      expect(existsSync(join(dir, "redis/redis.log"))).toBe(true);
    } finally {
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });

  it("fails with the daemon's own log when its fixed port is taken and stops the services that did start", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "local-services-test-")), "services");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const takenPort = (blocker.address() as AddressInfo).port;
    const redisPort = await findFreePort();
    try {
      const start = startLocalServices({ dir, only: ["ssh", "redis"], ports: { ssh: takenPort, redis: redisPort } });
      await expect(start).rejects.toBeInstanceOf(ServiceStartError);
      await expect(start).rejects.toThrow(/Local ssh did not start: the process exited .*\n.*Address already in use/s);
      await expect(sendRaw(redisPort, "PING\r\n")).rejects.toMatchObject({ code: "ECONNREFUSED" });
      expect(processesMentioning(dir)).toStrictEqual([]);
    } finally {
      blocker.close();
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });

  it("names the Debian packages of every missing binary and starts nothing", async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), "local-services-test-bin-"));
    const dir = join(emptyBin, "never-created");
    try {
      const start = startLocalServices({ binPath: emptyBin, dir });
      await expect(start).rejects.toBeInstanceOf(MissingServiceBinaryError);
      await expect(start).rejects.toThrow(
        "`mariadbd` (Debian package `mariadb-server`), `mariadb-install-db` (Debian package `mariadb-server`), " +
          "`redis-server` (Debian package `redis-server`), `sshd` (Debian package `openssh-server`), " +
          "`ssh-keygen` (Debian package `openssh-client`) not found",
      );
      await expect(start).rejects.toThrow(
        "apt-get install -y mariadb-server redis-server openssh-server openssh-client",
      );
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });

  it("names only the packages of the requested services when one binary is missing", async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), "local-services-test-bin-"));
    try {
      await expect(startLocalServices({ binPath: emptyBin, only: ["redis"] })).rejects.toMatchObject({
        debianPackages: ["redis-server"],
      });
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});
