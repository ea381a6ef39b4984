import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { binaryPath, type BinaryPaths } from "./binaries";
import { readSecretFile, writeSecretFile } from "./persistence";
import { runCommand, spawnService, type StartedService } from "./process";
import { waitUntilReady, withPortRetry } from "./readiness";
import type { MariaDbEndpoint, ServiceStartOptions } from "./types";

const isRoot = () => process.getuid?.() === 0;

// Throughput and durability do not matter for throwaway test data; start-up time does. The same InnoDB sizes go to
// mariadb-install-db (which passes them to its bootstrap server) so the files it creates fit the server (26 MB of
// files instead of 114 MB with the defaults), and the server need not resize its redo log on first start.
const FAST_INNODB_FLAGS = [
  "--innodb-buffer-pool-size=64M",
  "--innodb-log-file-size=32M",
  "--innodb-flush-log-at-trx-commit=2",
  "--innodb-doublewrite=OFF",
  "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
  // No buffer pool dump at shutdown and no load at start: a restart gives an empty pool (the clone benchmark restarts
  // to start cold) and no background read competes with the first statements.
  "--innodb-buffer-pool-dump-at-shutdown=OFF",
  "--innodb-buffer-pool-load-at-startup=OFF",
];

/**
 * Initialises a data dir (or, when persistent, reuses the one an earlier run left, with its root password in
 * `root-password`, 0600) and runs mariadbd on 127.0.0.1 with real grant tables. `--no-defaults` keeps the machine's
 * /etc/mysql config (and any system server's socket or port) out.
 */
export async function startMariaDb(
  serviceDir: string,
  socket: string,
  bins: BinaryPaths,
  { port: fixedPort, persistent }: ServiceStartOptions,
): Promise<StartedService<MariaDbEndpoint>> {
  const dataDir = join(serviceDir, "data");
  const tmpDir = join(serviceDir, "tmp");
  const passwordFile = join(serviceDir, "root-password");
  const runAs = isRoot() ? ["--user=root"] : [];

  // The password file is written only once a first start has fully succeeded, so without it the data dir is the
  // remains of an interrupted first start that nobody used, and starting over loses nothing.
  const kept = persistent && existsSync(join(dataDir, "mysql")) ? readSecretFile(passwordFile) : undefined;
  if (kept === undefined) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(passwordFile, { force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(tmpDir, { recursive: true });

  if (kept === undefined) {
    // "normal" creates root@localhost, root@127.0.0.1 and root@::1 with full grants and no password; they get one below.
    // The bootstrap server's temporary tables go in our own tmp dir: in a shared /tmp, a cleaner can pull them away.
    await runCommand(binaryPath(bins, "mariadb-install-db"), [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--tmpdir=${tmpDir}`,
      ...runAs,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      "--skip-name-resolve",
      ...FAST_INNODB_FLAGS,
    ]);
  }

  const password = kept ?? randomBytes(24).toString("hex");
  const endpoint = (port: number): MariaDbEndpoint => ({
    host: "127.0.0.1",
    port,
    user: "root",
    password,
    socket,
    dataDir,
  });

  return withPortRetry(fixedPort, async (port) => {
    const proc = spawnService(
      "mariadb",
      binaryPath(bins, "mariadbd"),
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--tmpdir=${tmpDir}`,
        ...runAs,
        "--bind-address=127.0.0.1",
        `--port=${port}`,
        `--socket=${socket}`,
        `--pid-file=${join(serviceDir, "mariadbd.pid")}`,
        "--skip-name-resolve",
        "--innodb-file-per-table=ON",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        "--max-connections=500",
        "--performance-schema=OFF",
        "--skip-log-bin",
        ...FAST_INNODB_FLAGS,
      ],
      join(serviceDir, "mariadb.log"),
    );

    await waitUntilReady(proc, () => checkSocketLogin(socket, kept), { timeoutMs: 60_000 });
    try {
      if (kept === undefined) await setRootPassword(socket, password);
      await checkTcpLogin(endpoint(port));
    } catch (error) {
      await proc.stop(10_000);
      throw error;
    }
    if (persistent && kept === undefined) writeSecretFile(passwordFile, password);
    return { endpoint: endpoint(port), processes: [proc] };
  });
}

async function checkSocketLogin(socket: string, password: string | undefined): Promise<void> {
  const conn = await createConnection({ socketPath: socket, user: "root", password, connectTimeout: 2000 });
  await conn.end();
}

async function setRootPassword(socket: string, password: string): Promise<void> {
  const conn = await createConnection({ socketPath: socket, user: "root", connectTimeout: 2000 });
  try {
    // '%' exists so that grants and connections behave like a server reached from another host.
    for (const host of ["localhost", "127.0.0.1", "::1"]) {
      await conn.query("ALTER USER 'root'@? IDENTIFIED BY ?", [host, password]);
    }
    await conn.query("CREATE USER 'root'@'%' IDENTIFIED BY ?", [password]);
    await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
  } catch (error) {
    // mysql2 attaches the interpolated SQL (password included) to its errors, so only the server's code goes on.
    const code = (error as { code?: unknown }).code;
    throw new Error(`Could not set the password of MariaDB's root accounts (${String(code ?? "unknown error")})`);
  } finally {
    await conn.end();
  }
}

async function checkTcpLogin(e: MariaDbEndpoint): Promise<void> {
  const conn = await createConnection({
    host: e.host,
    port: e.port,
    user: e.user,
    password: e.password,
    connectTimeout: 2000,
  });
  try {
    await conn.query("SELECT 1");
  } finally {
    await conn.end();
  }
}
