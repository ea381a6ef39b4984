/**
 * The box's daemons: its own nginx, PHP-FPM and supervisord (root-owned masters with config dirs under the box's dir,
 * never the system services), Pebble as the ACME server and its challenge test server as the DNS that resolves every
 * name to 127.0.0.1. Every port is on 127.0.0.1 and picked by the box, so nothing conflicts with ports 80/443.
 */
import { execFile } from "node:child_process";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as https from "node:https";
import { connect } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { findExecutable } from "../sandbox/services/binaries";
import { runCommand, spawnService, type ServiceProcess } from "../sandbox/services/process";
import { findFreePort, waitUntilReady } from "../sandbox/services/readiness";

export const PEBBLE_VERSION = "v2.10.3";
export const PHP_VERSION = "8.2";
/** The Linux user nginx's workers and the box's default pool run as. */
export const WEB_USER = "www-data";

/** Each binary the box runs and the Debian package (or build script) that brings it. */
const BINARIES = {
  nginx: "nginx",
  [`php-fpm${PHP_VERSION}`]: `php${PHP_VERSION}-fpm`,
  supervisord: "supervisor",
  supervisorctl: "supervisor",
  certbot: "certbot",
  openssl: "openssl",
  git: "git",
  composer: "composer",
  useradd: "passwd",
  setpriv: "util-linux",
} as const;

const SEARCH_DIRS = [...(process.env.PATH ?? "").split(":").filter((dir) => dir.startsWith("/")), "/usr/sbin", "/sbin"];

function pebbleBinDir(): string {
  const cache = process.env.FORGE_PREVIEWS_CACHE ?? join(homedir(), ".cache", "forge-previews");
  return join(cache, "pebble", PEBBLE_VERSION, "bin");
}

/** Why the box cannot run on this machine (not root, or a missing binary with the command that brings it), or null. */
export function boxUnavailable(): string | null {
  if (process.getuid?.() !== 0)
    return "needs root: the box runs nginx, PHP-FPM and supervisord as root and creates Linux users";
  const missing = Object.entries(BINARIES).filter(([binary]) => findExecutable(binary, SEARCH_DIRS) === undefined);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(" ");
    return `missing ${missing.map(([binary]) => binary).join(", ")}: run \`bash scripts/setup.sh\` (apt-get install ${packages})`;
  }
  if (!existsSync("/usr/share/php/Illuminate/autoload.php"))
    return "missing the Laravel framework: run `bash scripts/setup.sh` (apt-get install php-laravel-framework)";
  for (const binary of ["pebble", "pebble-challtestsrv"]) {
    if (findExecutable(binary, [pebbleBinDir()]) === undefined)
      return `missing ${binary} in ${pebbleBinDir()}: run \`bash scripts/pebble.sh\``;
  }
  return null;
}

function binary(name: string): string {
  const found = findExecutable(name, name.startsWith("pebble") ? [pebbleBinDir()] : SEARCH_DIRS);
  if (found === undefined) throw new Error(`The box cannot run: ${boxUnavailable() ?? `\`${name}\` not found`}`);
  return found;
}

export interface BoxPorts {
  http: number;
  https: number;
  acme: number;
  acmeManagement: number;
  dns: number;
  dnsManagement: number;
}

/** Where the box keeps each kind of file; every path is below the box's dir. */
export interface BoxPaths {
  dir: string;
  nginxSites: string;
  fpmPools: string;
  fpmSockets: string;
  supervisorPrograms: string;
  supervisorLogs: string;
  htpasswd: string;
  certificates: string;
  acmeWebroot: string;
  git: string;
  /** PEM roots of every ACME CA the box has run: what `curl --cacert` and the health check trust. */
  caFile: string;
}

export interface BoxServices {
  ports: BoxPorts;
  paths: BoxPaths;
  /** https://127.0.0.1:<port>/dir, served with a certificate `acmeTlsCaFile` vouches for. */
  acmeDirectoryUrl: string;
  acmeTlsCaFile: string;
  /** Checks the configuration, then reloads nginx and resolves once its new workers run. */
  reloadNginx(): Promise<void>;
  /** Gracefully reloads PHP-FPM (new pools start, removed pools stop) and resolves once every pool's socket is up. */
  reloadFpm(): Promise<void>;
  supervisorctl(args: readonly string[]): Promise<{ code: number; output: string }>;
  stop(): Promise<void>;
}

export function boxPaths(dir: string): BoxPaths {
  return {
    dir,
    nginxSites: join(dir, "nginx", "sites"),
    fpmPools: join(dir, "php", "pools"),
    fpmSockets: join(dir, "php", "run"),
    supervisorPrograms: join(dir, "supervisor", "programs"),
    supervisorLogs: join(dir, "supervisor", "logs"),
    htpasswd: join(dir, "nginx", "htpasswd"),
    certificates: join(dir, "certificates"),
    acmeWebroot: join(dir, "nginx", "acme"),
    git: join(dir, "git"),
    caFile: join(dir, "ca.pem"),
  };
}

function webUserIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${WEB_USER}:`));
  if (line === undefined) throw new Error(`The box needs the \`${WEB_USER}\` user (Debian's nginx package makes it)`);
  const fields = line.split(":");
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function nginxConfig(dir: string, paths: BoxPaths, ports: BoxPorts): string {
  const n = join(dir, "nginx");
  return `user ${WEB_USER};
worker_processes 1;
pid ${n}/nginx.pid;
error_log ${n}/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log ${n}/access.log;
  client_body_temp_path ${n}/tmp/body;
  fastcgi_temp_path ${n}/tmp/fastcgi;
  proxy_temp_path ${n}/tmp/proxy;
  uwsgi_temp_path ${n}/tmp/uwsgi;
  scgi_temp_path ${n}/tmp/scgi;
  server_names_hash_bucket_size 128;
  server {
    listen 127.0.0.1:${ports.http} default_server;
    listen 127.0.0.1:${ports.https} ssl default_server;
    ssl_certificate ${n}/default.pem;
    ssl_certificate_key ${n}/default.key;
    return 404;
  }
  include ${paths.nginxSites}/*.conf;
}
`;
}

function fpmConfig(dir: string, paths: BoxPaths): string {
  return `[global]
pid = ${dir}/php/php-fpm.pid
error_log = ${dir}/php/php-fpm.log
daemonize = no
include = ${paths.fpmPools}/*.conf
`;
}

/** PHP-FPM refuses to start without a pool, so the box keeps one of its own that serves nothing. */
function idlePool(paths: BoxPaths): string {
  return `[box]
user = ${WEB_USER}
group = ${WEB_USER}
listen = ${paths.fpmSockets}/box.sock
listen.owner = ${WEB_USER}
listen.group = ${WEB_USER}
listen.mode = 0660
pm = ondemand
pm.max_children = 1
`;
}

function supervisorConfig(dir: string, paths: BoxPaths): string {
  const s = join(dir, "supervisor");
  return `[unix_http_server]
file=${s}/supervisor.sock
chmod=0700
[supervisord]
nodaemon=true
logfile=${s}/supervisord.log
pidfile=${s}/supervisord.pid
childlogdir=${paths.supervisorLogs}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://${s}/supervisor.sock
[include]
files = ${paths.supervisorPrograms}/*.conf
`;
}

function tcpProbe(port: number): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.setTimeout(2000, () => socket.destroy(new Error(`no connection to port ${port} within 2 s`)));
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", reject);
    });
}

function unixProbe(path: string): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect({ path });
      socket.setTimeout(2000, () => socket.destroy(new Error(`no connection to ${path} within 2 s`)));
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", reject);
    });
}

/** GETs `url` over TLS trusting only `ca`, and answers the body. */
export function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      { ca, timeout: 5000, headers: { "user-agent": "forge-previews-box" } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (response.statusCode === 200) resolve(body);
          else reject(new Error(`${url} answered ${response.statusCode}`));
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${url} did not answer within 5 s`)));
    request.on("error", reject);
  });
}

function run(file: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

function childPids(pid: number): Set<string> {
  try {
    return new Set(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`The box timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The sites' users and nginx's workers must pass through every directory above the box's dir. */
function assertTraversable(dir: string): void {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    if (existsSync(parent) && (statSync(parent).mode & 0o001) === 0)
      throw new Error(
        `The box's dir ${dir} lies below ${parent}, which other users cannot enter; ` +
          `\`chmod o+x ${parent}\` or choose a dir elsewhere`,
      );
    if (parent === dirname(parent)) return;
  }
}

function makeDirs(dir: string, paths: BoxPaths): void {
  assertTraversable(dir);
  const web = webUserIds();
  // 0711: the sites' users and nginx's workers pass through to their own files; nobody lists the box.
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  for (const sub of ["nginx", "php", "supervisor", "pebble"])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o711 });
  for (const path of [
    paths.nginxSites,
    paths.fpmPools,
    paths.supervisorPrograms,
    paths.supervisorLogs,
    paths.certificates,
    paths.git,
  ])
    mkdirSync(path, { recursive: true, mode: 0o700 });
  for (const path of [paths.fpmSockets, paths.acmeWebroot, paths.htpasswd, join(dir, "nginx", "tmp")]) {
    mkdirSync(path, { recursive: true, mode: 0o750 });
    chownSync(path, 0, web.gid);
  }
  // nginx's workers write request bodies there.
  chownSync(join(dir, "nginx", "tmp"), web.uid, web.gid);
  // The web root for http-01 answers: the workers read the tokens certbot writes into .well-known/acme-challenge.
  mkdirSync(join(paths.acmeWebroot, ".well-known", "acme-challenge"), { recursive: true, mode: 0o755 });
}

/** A self-signed certificate for 127.0.0.1 and localhost: the default TLS server's and Pebble's own. */
async function selfSigned(certFile: string, keyFile: string): Promise<void> {
  if (existsSync(certFile) && existsSync(keyFile)) return;
  await runCommand(binary("openssl"), [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "3650",
    "-subj",
    "/CN=forge-previews box",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
}

async function pickPorts(given: Partial<BoxPorts>): Promise<BoxPorts> {
  const ports: Partial<BoxPorts> = { ...given };
  const taken = new Set(Object.values(ports));
  for (const key of ["http", "https", "acme", "acmeManagement", "dns", "dnsManagement"] as const) {
    // The kernel may hand the same free port out twice in a row; each daemon needs its own.
    while (ports[key] === undefined || (taken.has(ports[key]) && given[key] === undefined)) {
      const port = await findFreePort();
      if (!taken.has(port)) ports[key] = port;
    }
    taken.add(ports[key]);
  }
  return ports as BoxPorts;
}

export interface StartBoxServicesOptions {
  /** The box's directory: configs, sockets, logs, site configuration; made 0711 and root-owned. */
  dir: string;
  /** Fixed ports; the others are picked free. */
  ports?: Partial<BoxPorts>;
}

/** Starts the box's daemons and resolves once each answers; a failure stops whatever had started. */
export async function startBoxServices(options: StartBoxServicesOptions): Promise<BoxServices> {
  const unavailable = boxUnavailable();
  if (unavailable !== null) throw new Error(`The box cannot run here: ${unavailable}`);
  const { dir } = options;
  const paths = boxPaths(dir);
  makeDirs(dir, paths);
  const ports = await pickPorts(options.ports ?? {});
  const n = join(dir, "nginx");
  const pebbleDir = join(dir, "pebble");
  await selfSigned(join(n, "default.pem"), join(n, "default.key"));
  await selfSigned(join(pebbleDir, "tls.pem"), join(pebbleDir, "tls.key"));
  writeFileSync(join(n, "nginx.conf"), nginxConfig(dir, paths, ports));
  writeFileSync(join(dir, "php", "php-fpm.conf"), fpmConfig(dir, paths));
  writeFileSync(join(paths.fpmPools, "box.conf"), idlePool(paths));
  writeFileSync(join(dir, "supervisor", "supervisord.conf"), supervisorConfig(dir, paths));
  writeFileSync(
    join(pebbleDir, "config.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ports.acme}`,
        managementListenAddress: `127.0.0.1:${ports.acmeManagement}`,
        certificate: join(pebbleDir, "tls.pem"),
        privateKey: join(pebbleDir, "tls.key"),
        // http-01 is validated on the port the sites' nginx listens on; tls-alpn-01 is not used.
        httpPort: ports.http,
        tlsPort: ports.https,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  const acmeTlsCaFile = join(pebbleDir, "tls.pem");
  const acmeTlsCa = readFileSync(acmeTlsCaFile, "utf8");

  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((proc) => proc.stop(5000)));
  };
  const start = async (name: string, file: string, args: string[], probe: () => Promise<void>) => {
    const proc = spawnService(name, file, args, join(dir, `${name}.log`));
    started.push(proc);
    await waitUntilReady(proc, probe, { timeoutMs: 20_000, intervalMs: 50 });
    return proc;
  };
  try {
    const [nginx, fpm] = await Promise.all([
      start("nginx", binary("nginx"), ["-c", join(n, "nginx.conf"), "-g", "daemon off;"], tcpProbe(ports.http)),
      start(
        "php-fpm",
        binary(`php-fpm${PHP_VERSION}`),
        ["--nodaemonize", "--fpm-config", join(dir, "php", "php-fpm.conf")],
        unixProbe(join(paths.fpmSockets, "box.sock")),
      ),
      start(
        "supervisord",
        binary("supervisord"),
        ["-n", "-c", join(dir, "supervisor", "supervisord.conf")],
        unixProbe(join(dir, "supervisor", "supervisor.sock")),
      ),
      start(
        "challtestsrv",
        binary("pebble-challtestsrv"),
        [
          ...["-dnsserver", `127.0.0.1:${ports.dns}`, "-management", `127.0.0.1:${ports.dnsManagement}`],
          // Every A query answers 127.0.0.1 and no AAAA record exists, so Pebble reaches the box's nginx.
          ...["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
          ...["-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""],
        ],
        tcpProbe(ports.dnsManagement),
      ),
    ]);
    // `env` execs Pebble in place: no random validation delays, no rejected nonces (the sandbox wants it quick).
    await start(
      "pebble",
      "/usr/bin/env",
      [
        ...["PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", binary("pebble")],
        ...["-config", join(pebbleDir, "config.json"), "-dnsserver", `127.0.0.1:${ports.dns}`],
      ],
      async () => {
        await httpsGet(`https://127.0.0.1:${ports.acme}/dir`, acmeTlsCa);
      },
    );
    // Pebble makes a new root on every start: the box's CA file keeps each one, so certificates issued by an earlier
    // run still verify.
    const root = await httpsGet(`https://127.0.0.1:${ports.acmeManagement}/roots/0`, acmeTlsCa);
    const known = existsSync(paths.caFile) ? readFileSync(paths.caFile, "utf8") : "";
    if (!known.includes(root.trim())) appendFileSync(paths.caFile, `${root.trim()}\n`, { mode: 0o644 });

    const nginxConf = join(n, "nginx.conf");
    const fpmPid = fpm.pid;
    const supervisorConf = join(dir, "supervisor", "supervisord.conf");
    let stopping: Promise<void> | undefined;
    return {
      ports,
      paths,
      acmeDirectoryUrl: `https://127.0.0.1:${ports.acme}/dir`,
      acmeTlsCaFile,
      async reloadNginx() {
        const test = await run(binary("nginx"), ["-t", "-c", nginxConf]);
        if (test.code !== 0) throw new Error(`The box's nginx refused its configuration:\n${test.output.trim()}`);
        const before = childPids(nginx.pid);
        process.kill(nginx.pid, "SIGHUP");
        // Done when only workers with the new configuration accept: new ones run and the old ones have exited.
        await until("nginx replaced its workers with ones on the new configuration", () => {
          const now = childPids(nginx.pid);
          return [...now].some((pid) => !before.has(pid)) && ![...before].some((pid) => now.has(pid));
        });
      },
      async reloadFpm() {
        process.kill(fpmPid, "SIGUSR2");
        await until("PHP-FPM listened on every pool's socket", async () => {
          try {
            await Promise.all(listPoolSockets(paths).map((socket) => unixProbe(socket)()));
            return true;
          } catch {
            return false;
          }
        });
      },
      supervisorctl: (args) => run(binary("supervisorctl"), ["-c", supervisorConf, ...args]),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The socket each pool file under `fpmPools` listens on. */
export function listPoolSockets(paths: BoxPaths): string[] {
  return readdirSync(paths.fpmPools)
    .filter((file) => file.endsWith(".conf"))
    .flatMap((file) => {
      const match = /^listen = (.+)$/m.exec(readFileSync(join(paths.fpmPools, file), "utf8"));
      return match ? [match[1] as string] : [];
    });
}
