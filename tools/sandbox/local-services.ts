import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSearchDirs, resolveServiceBinaries, type BinaryPaths } from "./services/binaries";
import { startMariaDb } from "./services/mariadb";
import {
  assertRecordedPortsFree,
  PORTS_FILE,
  readRecordedPorts,
  RecordedPortTakenError,
  recordPorts,
} from "./services/persistence";
import type { ServiceProcess, StartedService } from "./services/process";
import { ServiceStartError } from "./services/readiness";
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
export { RecordedPortTakenError } from "./services/persistence";
export { ServiceStartError } from "./services/readiness";
export { sshFingerprint } from "./services/ssh";
export * from "./services/types";

// mariadbd needs a moment to flush InnoDB on SIGTERM; the others exit at once.
const STOP_GRACE_MS: Record<ServiceName, number> = { mariadb: 15_000, redis: 5_000, ssh: 5_000 };

// Unix socket paths are limited to 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/**
 * Starts MariaDB, Redis and OpenSSH (or the `only` subset) on 127.0.0.1 in parallel and resolves once each accepts a
 * real login. On any failure everything already started is stopped before the error is thrown. With `persistent`,
 * data, passwords, keys and ports are kept in `dir` and reused by the next start (see StartLocalServicesOptions).
 */
export async function startLocalServices(opts: StartLocalServicesOptions = {}): Promise<LocalServices> {
  const only = [...new Set(opts.only ?? SERVICE_NAMES)];
  for (const name of only) {
    if (!SERVICE_NAMES.includes(name))
      throw new Error(`\`only\` names an unknown service "${name}"; use ${SERVICE_NAMES.join(", ")}`);
  }
  const persistent = opts.persistent === true;
  if (persistent && opts.dir === undefined) {
    throw new Error("`persistent` needs `dir`: pass the directory whose data, keys and ports the next start reuses");
  }
  const bins = resolveServiceBinaries(only, buildSearchDirs(opts.binPath));
  const ownsDir = opts.dir === undefined;
  const dir = prepareDir(opts.dir, only, persistent);
  const resetHint = opts.resetHint ?? `\`rm -rf ${dir}\``;
  const ports = await choosePorts(dir, only, opts.ports ?? {}, persistent, resetHint);
  const cleanup = async (processes: { proc: ServiceProcess; service: ServiceName }[]) => {
    await Promise.all(processes.map(({ proc, service }) => proc.stop(STOP_GRACE_MS[service])));
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  const settled = await Promise.allSettled(
    only.map((service) => startOne(service, dir, bins, ports[service], persistent)),
  );
  const processes = settled.flatMap((r, i) =>
    r.status === "fulfilled" ? r.value.processes.map((proc) => ({ proc, service: only[i] as ServiceName })) : [],
  );
  const failures = settled.flatMap((r, i) => {
    if (r.status === "fulfilled") return [];
    const service = only[i] as ServiceName;
    const port = ports[service];
    // Taken between the check above and the daemon's bind: the same cause, so the same error.
    if (persistent && port !== undefined && r.reason instanceof ServiceStartError && r.reason.isPortInUse) {
      return [new RecordedPortTakenError(service, port, join(dir, PORTS_FILE), resetHint)];
    }
    return [r.reason as unknown];
  });
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
  if (persistent) {
    try {
      recordPorts(
        dir,
        Object.fromEntries(
          settled.flatMap((r, i) => (r.status === "fulfilled" ? [[only[i], r.value.endpoint.port]] : [])),
        ),
        resetHint,
      );
    } catch (error) {
      await services.stop();
      throw error;
    }
  }
  return services;
}

/**
 * The port each service is started on: the caller's, else (persistent) the one recorded by the previous run, else
 * none (a free one is picked). Recorded ports are checked before anything starts, so a taken one costs no start-up.
 */
async function choosePorts(
  dir: string,
  services: readonly ServiceName[],
  given: Partial<Record<ServiceName, number>>,
  persistent: boolean,
  resetHint: string,
): Promise<Partial<Record<ServiceName, number>>> {
  if (!persistent) return given;
  const recorded = readRecordedPorts(dir, resetHint);
  const reused: Partial<Record<ServiceName, number>> = {};
  for (const service of services) {
    const port = recorded[service];
    if (given[service] === undefined && port !== undefined) reused[service] = port;
  }
  await assertRecordedPortsFree(dir, reused, resetHint);
  return { ...reused, ...given };
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

function startOne(
  service: ServiceName,
  dir: string,
  bins: BinaryPaths,
  port: number | undefined,
  persistent: boolean,
): Promise<StartedService<AnyEndpoint>> {
  const serviceDir = join(dir, service);
  switch (service) {
    case "mariadb":
      return startMariaDb(serviceDir, join(dir, "mysqld.sock"), bins, { port, persistent });
    case "redis":
      return startRedis(serviceDir, bins, { port, persistent });
    case "ssh":
      return startSsh(serviceDir, bins, { port, persistent });
  }
}

/**
 * Creates the base dir and one subdirectory per service, before anything is started. A subdirectory left by an
 * earlier run is an error, unless `persistent` asks for exactly that to be reused.
 */
function prepareDir(given: string | undefined, services: readonly ServiceName[], persistent: boolean): string {
  const dir = given === undefined ? mkdtempSync(join(tmpdir(), "forge-previews-services-")) : resolve(given);
  try {
    // The path is written unquoted into sshd_config and redis.conf, where whitespace, quotes, % and # have meaning.
    if (/[\s"'%\\#]/.test(dir)) {
      throw new Error(
        `\`dir\` "${dir}" contains whitespace, a quote, %, # or a backslash; choose a plainer path (or TMPDIR)`,
      );
    }
    if (join(dir, "mysqld.sock").length > MAX_SOCKET_PATH) {
      throw new Error(
        `\`dir\` "${dir}" is too long for a Unix socket path inside it (${MAX_SOCKET_PATH} bytes max); choose a shorter one`,
      );
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const service of services) {
      const serviceDir = join(dir, service);
      if (existsSync(serviceDir)) {
        if (persistent) continue;
        throw new Error(
          `\`dir\` "${dir}" already holds "${service}/" from an earlier run; pass an empty or new directory, or \`persistent: true\` to reuse it`,
        );
      }
      mkdirSync(serviceDir, { mode: 0o700 });
    }
  } catch (error) {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
