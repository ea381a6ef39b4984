/**
 * Measures one server of the pool over SSH for placement: memory from /proc/meminfo, the load from /proc/loadavg, the
 * MySQL datadir's volume from `df -P`, and whether the app's master is there (the clone engine's inventory, which
 * also names the datadir). `readMetrics` is the one place the figures come from.
 */
import { type MysqlAccess, withCloneSession } from "../../providers/db-clone";
import { type SshSession, type SshTarget, withSsh } from "../../providers/ssh";
import type { PoolServer } from "../../stacks/server-pool";
import type { ServerMetrics } from "./placement";

export interface ServerReading {
  metrics: ServerMetrics;
  hasMaster: boolean;
}

/** Reads one server; injected into the CLI's placement so tests can make a server look fuller. */
export type MeasureServer = (server: PoolServer) => Promise<ServerReading>;

/** What every server of the pool shares: the SSH login and the MySQL account. */
export interface PoolAccess {
  sshUser: string;
  privateKey: string;
  mysqlUser: string;
  mysqlPassword: string | null;
}

export function measureOverSsh(access: PoolAccess, masterDatabase: string): MeasureServer {
  return async (server) => {
    const target: SshTarget = {
      host: server.sshHost,
      port: server.sshPort,
      user: access.sshUser,
      privateKey: access.privateKey,
      hostKeyFingerprint: server.sshHostKeyFingerprint,
    };
    const mysql: MysqlAccess = {
      user: access.mysqlUser,
      password: access.mysqlPassword,
      socket: server.mysqlSocket === "" ? null : server.mysqlSocket,
      dataDir: server.mysqlDataDir === "" ? null : server.mysqlDataDir,
    };
    return withSsh(target, async (session) => {
      const request = {
        access: mysql,
        workDirFor: masterDatabase,
        grantsFor: masterDatabase,
        schemas: [masterDatabase],
      };
      const { dataDir, hasMaster } = await withCloneSession(session, request, ({ facts, inventories }) =>
        Promise.resolve({ dataDir: facts.dataDir, hasMaster: (inventories.get(masterDatabase) ?? null) !== null }),
      );
      return { metrics: await readMetrics(session, dataDir), hasMaster };
    });
  };
}

async function readMetrics(session: SshSession, dataDir: string): Promise<ServerMetrics> {
  const [meminfo, loadavg, df] = await Promise.all([
    session.execChecked(["cat", "/proc/meminfo"]),
    session.execChecked(["cat", "/proc/loadavg"]),
    session.execChecked(["df", "-P", "-B1", dataDir]),
  ]);
  return parseMetrics(meminfo.stdout, loadavg.stdout, df.stdout);
}

/** The figures from the three commands' output; a field that is missing is an error, never a guess. */
export function parseMetrics(meminfo: string, loadavg: string, df: string): ServerMetrics {
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(meminfo);
    if (match === null) throw new Error(`/proc/meminfo has no ${field}`);
    return Number(match[1]) * 1024;
  };
  const total = kib("MemTotal");
  const load1 = Number(loadavg.trim().split(/\s+/)[0]);
  // `df -P`: a header, then one line: filesystem, size, used, available, capacity, mount point.
  const fields = df.trim().split("\n").at(-1)?.trim().split(/\s+/) ?? [];
  const [totalBytes, freeBytes, mount] = [Number(fields[1]), Number(fields[3]), fields[5]];
  if (fields.length < 6 || !Number.isFinite(totalBytes) || !Number.isFinite(freeBytes) || mount === undefined)
    throw new Error(`\`df -P\` printed no volume line: ${JSON.stringify(df.slice(0, 200))}`);
  return {
    load1: Number.isFinite(load1) ? load1 : 0,
    memoryTotalBytes: total,
    memoryUsedBytes: total - kib("MemAvailable"),
    disks: [{ mount, totalBytes, freeBytes }],
  };
}
