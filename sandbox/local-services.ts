import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSearchDirs, resolveServiceBinaries, type BinaryPaths } from "./services/binaries";
import { startMariaDb } from "./services/mariadb";
import type { ServiceProcess, StartedService } from "./services/process";
import { startRedis } from "./services/redis";
import { startSsh } from "./services/ssh";
import {
  SERVICE_NAMES,
  type LocalServices,
  type MariaDbEndpoint,
  type RedisEndpoint,
  type ServiceName,
  type SshEndpoint,
  type StartLocalServicesOptions,
} from "./services/types";

export { MissingServiceBinaryError } from "./services/binaries";
export { ServiceStartError } from "./services/readiness";
export { sshFingerprint } from "./services/ssh";
export * from "./services/types";

// mariadbd needs a moment to flush InnoDB on SIGTERM; the others exit at once.
const STOP_GRACE_MS: Record<ServiceName, number> = { mariadb: 15_000, redis: 5_000, ssh: 5_000 };

// Unix socket paths are limited to 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/**
 * Starts MariaDB, Redis and OpenSSH (or the `only` subset) on 127.0.0.1 in parallel and resolves once each accepts a
 * real login. On any failure everything already started is stopped before the error is thrown.
 */
export async function startLocalServices(opts: StartLocalServicesOptions = {}): Promise<LocalServices> {
  const only = [...new Set(opts.only ?? SERVICE_NAMES)];
  for (const name of only) {
    if (!SERVICE_NAMES.includes(name)) throw new Error(`\`only\` names an unknown service "${name}"; use ${SERVICE_NAMES.join(", ")}`);
  }
  const bins = resolveServiceBinaries(only, buildSearchDirs(opts.binPath));
  const ownsDir = opts.dir === undefined;
  const dir = prepareDir(opts.dir, only);
  const cleanup = async (processes: { proc: ServiceProcess; service: ServiceName }[]) => {
    await Promise.all(processes.map(({ proc, service }) => proc.stop(STOP_GRACE_MS[service])));
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  const settled = await Promise.allSettled(only.map((service) => startOne(service, dir, bins, opts.ports?.[service])));
  const processes = settled.flatMap((r, i) =>
    r.status === "fulfilled" ? r.value.processes.map((proc) => ({ proc, service: only[i] as ServiceName })) : [],
  );
  const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await cleanup(processes);
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, failures.map(String).join("\n\n"));
  }

  let stopping: Promise<void> | undefined;
  const services: LocalServices = {
    dir,
    stop: () => (stopping ??= cleanup(processes)),
  };
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") Object.assign(services, { [only[i] as ServiceName]: r.value.endpoint });
  });
  return services;
}

/** The endpoints as plain JSON, e.g. for an environment variable read by test workers. */
export function describeServices(s: LocalServices): Omit<LocalServices, "stop"> {
  const plain: Omit<LocalServices, "stop"> = { dir: s.dir };
  if (s.mariadb) plain.mariadb = { ...s.mariadb };
  if (s.redis) plain.redis = { ...s.redis };
  if (s.ssh) plain.ssh = { ...s.ssh };
  return plain;
}

type AnyEndpoint = MariaDbEndpoint | RedisEndpoint | SshEndpoint;

function startOne(service: ServiceName, dir: string, bins: BinaryPaths, port: number | undefined): Promise<StartedService<AnyEndpoint>> {
  const serviceDir = join(dir, service);
  switch (service) {
    case "mariadb":
      return startMariaDb(serviceDir, join(dir, "mysqld.sock"), bins, port);
    case "redis":
      return startRedis(serviceDir, bins, port);
    case "ssh":
      return startSsh(serviceDir, bins, port);
  }
}

/** Creates the base dir and one fresh subdirectory per service, before anything is started. */
function prepareDir(given: string | undefined, services: readonly ServiceName[]): string {
  const dir = given === undefined ? mkdtempSync(join(tmpdir(), "forge-previews-services-")) : resolve(given);
  try {
    // The path is written unquoted into sshd_config and redis.conf, where whitespace, quotes, % and # have meaning.
    if (/[\s"'%\\#]/.test(dir)) {
      throw new Error(`\`dir\` "${dir}" contains whitespace, a quote, %, # or a backslash; choose a plainer path (or TMPDIR)`);
    }
    if (join(dir, "mysqld.sock").length > MAX_SOCKET_PATH) {
      throw new Error(`\`dir\` "${dir}" is too long for a Unix socket path inside it (${MAX_SOCKET_PATH} bytes max); choose a shorter one`);
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const service of services) {
      if (existsSync(join(dir, service))) {
        throw new Error(`\`dir\` "${dir}" already holds "${service}/" from an earlier run; pass an empty or new directory`);
      }
      mkdirSync(join(dir, service), { mode: 0o700 });
    }
  } catch (error) {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
