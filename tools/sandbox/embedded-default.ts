/**
 * The embedded default: everything a preview environment needs, on 127.0.0.1 — MariaDB, Redis and sshd standing in
 * for the Forge server, and the Forge API simulator standing in for Forge — plus the stack config that points a
 * `pr-*` stack at them. The sandbox command and the engine tests both start it.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { boxAgent, type BoxAgent } from "../box/agent";
import { BoxHost, branchCommit, publishRepository } from "../box/host";
import { startBoxServices, type BoxPorts, type BoxServices } from "../box/services";
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator";
import { UserError } from "../../providers/common/user-error";
import { DEMO_MASTER, seedDemoMaster } from "./demo-master";
import {
  RecordedPortTakenError,
  startLocalServices,
  type LocalServices,
  type MariaDbEndpoint,
  type RedisEndpoint,
  type SshEndpoint,
} from "./local-services";
import {
  assertRecordedPortsFree,
  PORTS_FILE,
  readOrCreateSecret,
  readRecordedPorts,
  recordPorts,
} from "./services/persistence";

export const SANDBOX_ORG = "sandbox";
export const SANDBOX_SERVER_ID = 1;
export const SANDBOX_APP = "demo";
export const SANDBOX_DOMAIN = "sandbox.test";

export interface StackConfigValue {
  value: string;
  secret?: boolean;
  /** For object-typed keys: the parsed value (`value` holds its JSON text). */
  objectValue?: unknown;
}

/** The argument of `pulumi config set-all --json`, which sets every key in one call, objects included. */
export function toConfigJson(project: string, config: Record<string, StackConfigValue>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(config).map(([key, { value, secret, objectValue }]) => [
        `${project}:${key}`,
        { value, secret: secret ?? false, ...(objectValue === undefined ? {} : { objectValue }) },
      ]),
    ),
  );
}

/** The box behind the simulator: a Forge server on this machine that serves the demo app from every preview. */
export interface EmbeddedBox {
  services: BoxServices;
  host: BoxHost;
  agent: BoxAgent;
  /** The local git remote of the demo app, which sites of `acme/demo` clone. */
  repository: string;
}

/** The repository the demo app's sites are created with; the box serves it from its local git remote. */
const DEMO_REPOSITORY = "acme/demo";
const DEMO_APP_DIR = path.join(__dirname, "..", "box", "demo-app");

export interface EmbeddedDefault {
  services: { mariadb: MariaDbEndpoint; redis: RedisEndpoint; ssh: SshEndpoint };
  simulator: Simulator;
  /** Set in box mode. */
  box: EmbeddedBox | null;
  /**
   * The demo app's commit, which the sandbox's `forge-previews up --sha` deploys: the head of the box's remote, or in
   * light mode of the same files published to a bare repository under the dir.
   */
  demoCommit: string;
  /** `pulumi config set` pairs for a preview stack of the demo app against this embedded default. */
  stackConfig: Record<string, StackConfigValue>;
  /** Environment for the `pulumi` process (and so the provider host): fast polls against the instant simulator. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface EmbeddedDefaultOptions {
  /** Directory for the simulator's site folders and state file. */
  dir: string;
  /** Reuse running services (the test suite's) instead of starting new ones. */
  services?: { mariadb: MariaDbEndpoint; redis: RedisEndpoint; ssh: SshEndpoint };
  /**
   * Keep everything across runs, so a stack's config (addresses, keys, token) stays the same and its resources stay
   * where its state says: the simulator's state in `<dir>/simulator-state.json`, its port and token in
   * `<dir>/services/`, and (when `services` is not given) the local services' data, passwords, keys and ports there too.
   */
  persistState?: boolean;
  simulator?: Partial<SimulatorOptions>;
  /**
   * Box mode: the box's daemons in `dir` (whose parents other users can enter) carry out what the simulator is asked,
   * and the preview is the demo app, deployed, served over HTTPS with basic auth and health-checked through nginx.
   */
  box?: { dir: string };
}

/**
 * Durations of the realistic and hostile profiles in the sandbox, as a share of Forge's: a site installs in about half
 * a second instead of half a minute, and the hostile 404 window, latencies and removals shrink alike.
 */
export const SANDBOX_TIME_SCALE = 0.02;

/**
 * The simulator's profile from `FORGE_SIMULATOR_PROFILE` (`instant` when unset) and its pace from
 * `FORGE_SIMULATOR_TIME_SCALE` (default `SANDBOX_TIME_SCALE`), so `FORGE_SIMULATOR_PROFILE=hostile npm run sandbox`
 * runs a preview against every real-Forge quirk in seconds.
 */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<SimulatorOptions> {
  const profile = env.FORGE_SIMULATOR_PROFILE || "instant";
  if (profile !== "instant" && profile !== "realistic" && profile !== "hostile") {
    throw new UserError(
      `FORGE_SIMULATOR_PROFILE must be \`instant\`, \`realistic\` or \`hostile\`, got \`${profile}\`; unset it for \`instant\`.`,
    );
  }
  const rawScale = env.FORGE_SIMULATOR_TIME_SCALE;
  const timeScale = rawScale === undefined || rawScale === "" ? SANDBOX_TIME_SCALE : Number(rawScale);
  if (!(timeScale > 0)) {
    throw new UserError(`FORGE_SIMULATOR_TIME_SCALE must be a positive number such as 0.02, got \`${rawScale}\`.`);
  }
  return { profile, timeScale };
}

/** The simulator's bearer token, kept 0600 in the services dir when the state persists. */
const SIMULATOR_TOKEN_FILE = "simulator-token";

const newToken = () => `sandbox-${randomBytes(12).toString("hex")}`;

function objectConfig(value: unknown): StackConfigValue {
  return { value: JSON.stringify(value), objectValue: value };
}

export async function startEmbeddedDefault(options: EmbeddedDefaultOptions): Promise<EmbeddedDefault> {
  const persistent = options.persistState === true;
  const servicesDir = path.join(options.dir, "services");
  const resetHint = `\`rm -rf ${path.resolve(options.dir)}\``;
  let simulatorPort = options.simulator?.port;
  let token = options.simulator?.token;
  if (persistent) {
    mkdirSync(servicesDir, { recursive: true, mode: 0o700 });
    // Checked before the services start, so a taken port fails fast and starts nothing.
    const recorded = readRecordedPorts(servicesDir, resetHint).simulator;
    if (simulatorPort === undefined && recorded !== undefined) {
      await assertRecordedPortsFree(servicesDir, { simulator: recorded }, resetHint);
      simulatorPort = recorded;
    }
    token ??= readOrCreateSecret(path.join(servicesDir, SIMULATOR_TOKEN_FILE), newToken);
  }
  token ??= newToken();

  let started: LocalServices | null = null;
  let simulator: Simulator | null = null;
  let box: EmbeddedBox | null = null;
  let services = options.services;
  if (!services) {
    started = await startLocalServices(persistent ? { dir: servicesDir, persistent: true, resetHint } : {});
    services = { mariadb: started.mariadb!, redis: started.redis!, ssh: started.ssh! };
  }
  try {
    await seedDemoMaster(services.mariadb);
    if (options.box !== undefined) {
      // Persisted, the box keeps its ports: its server blocks and the stack's health URL name them.
      const recorded = persistent ? boxPortsOf(readRecordedPorts(servicesDir, resetHint)) : {};
      box = await startBox(options.box.dir, recorded);
      if (persistent) {
        const ports: Record<string, number> = {};
        for (const [name, port] of Object.entries(box.services.ports)) ports[`box-${name}`] = port;
        recordPorts(servicesDir, ports, resetHint);
      }
    }
    simulator = await startSimulator({
      org: SANDBOX_ORG,
      servers: [{ id: SANDBOX_SERVER_ID, name: "sandbox" }],
      profile: "instant",
      mariadb: {
        host: services.mariadb.host,
        port: services.mariadb.port,
        user: services.mariadb.user,
        password: services.mariadb.password,
      },
      sandboxRoot: path.join(options.dir, "sites"),
      statePath: persistent ? path.join(options.dir, "simulator-state.json") : null,
      log: () => undefined,
      ...(box === null ? {} : { agent: box.agent }),
      ...options.simulator,
      token,
      port: simulatorPort,
    }).catch((error: unknown) => {
      // Taken between the check above and the listen: the same cause, so the same error.
      if (persistent && simulatorPort !== undefined && (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new RecordedPortTakenError(
          "the Forge simulator",
          simulatorPort,
          path.join(servicesDir, PORTS_FILE),
          resetHint,
        );
      }
      throw error;
    });
    if (persistent) recordPorts(servicesDir, { simulator: simulator.port }, resetHint);
    const demoRepository =
      box?.repository ?? (await publishRepository(path.join(options.dir, "git"), SANDBOX_APP, DEMO_APP_DIR));
    const demoCommit = await branchCommit(demoRepository);
    const stackConfig: Record<string, StackConfigValue> = {
      forgeApiUrl: { value: simulator.url },
      forgeOrg: { value: SANDBOX_ORG },
      forgeServerId: { value: String(SANDBOX_SERVER_ID) },
      forgeToken: { value: token, secret: true },
      previewDomain: { value: SANDBOX_DOMAIN },
      apps: objectConfig({
        [SANDBOX_APP]: {
          repository: DEMO_REPOSITORY,
          masterDatabase: DEMO_MASTER,
          productionDatabase: "demo",
          // The box's PHP, and the demo app's `/health`: data from the clone, its own Redis DB, a job the worker ran.
          ...(box === null ? {} : { phpVersion: "php82", healthPath: "/health" }),
        },
      }),
      sshHost: { value: services.ssh.host },
      sshPort: { value: String(services.ssh.port) },
      sshUser: { value: services.ssh.user },
      sshHostKeyFingerprint: { value: services.ssh.hostKeyFingerprint },
      sshPrivateKey: { value: services.ssh.privateKey, secret: true },
      redisPort: { value: String(services.redis.port) },
      mysqlPort: { value: String(services.mariadb.port) },
      redisPassword: { value: services.redis.password, secret: true },
      // The local MariaDB stands in for the Forge server's MySQL; its root account may copy tablespaces.
      mysqlUser: { value: services.mariadb.user },
      mysqlPassword: { value: services.mariadb.password, secret: true },
      mysqlSocket: { value: services.mariadb.socket },
      mysqlDataDir: { value: services.mariadb.dataDir },
      ...(box === null
        ? { healthUrlTemplate: { value: `http://127.0.0.1:${new URL(simulator.url).port}/__sites/{domain}{path}` } }
        : {
            // Through the box's nginx on its HTTPS port, as `curl --resolve <domain>:<port>:127.0.0.1` reaches it.
            healthUrlTemplate: { value: `https://{domain}:${box.services.ports.https}{path}` },
            healthResolve: { value: "127.0.0.1" },
          }),
      branch: { value: "main" },
    };
    // In box mode the health check trusts the box's ACME roots, as a person's `curl --cacert` does.
    const env: Record<string, string> = {
      FORGE_PREVIEWS_POLL_MS: "50",
      ...(box === null ? {} : { NODE_EXTRA_CA_CERTS: box.services.paths.caFile }),
    };
    const owned = started;
    const running = simulator;
    const runningBox = box;
    return {
      services,
      simulator,
      box,
      demoCommit,
      stackConfig,
      env,
      async stop() {
        await running.close();
        await stopBox(runningBox);
        await owned?.stop();
      },
    };
  } catch (error) {
    await simulator?.close();
    await stopBox(box);
    await started?.stop();
    throw error;
  }
}

function boxPortsOf(recorded: Record<string, number>): Partial<BoxPorts> {
  return Object.fromEntries(
    Object.entries(recorded).flatMap(([key, port]) => (key.startsWith("box-") ? [[key.slice(4), port]] : [])),
  );
}

async function startBox(dir: string, ports: Partial<BoxPorts>): Promise<EmbeddedBox> {
  const services = await startBoxServices({ dir, ports });
  try {
    const host = new BoxHost(services);
    const remote = await host.publishRepository(SANDBOX_APP, DEMO_APP_DIR);
    const agent = boxAgent({ host, repositories: { [DEMO_REPOSITORY]: remote }, statusIntervalMs: 250 });
    return { services, host, agent, repository: remote };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

/** Waits for the box's work in flight, then stops its daemons; what the sites made stays until they are deleted. */
async function stopBox(box: EmbeddedBox | null): Promise<void> {
  if (box === null) return;
  await box.agent.idle().catch(() => undefined);
  box.agent.close();
  await box.services.stop();
}
