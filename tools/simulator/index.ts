import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import { defaultAgent } from "./agent";
import { AsyncClock, valuesAt } from "./async-clock";
import { Faults } from "./faults";
import type { RouteDefinition, Services } from "./handlers/context";
import { ROUTES } from "./handlers";
import { MariaDbEffects } from "./mariadb";
import { loadSpec } from "./openapi-spec";
import { ContractValidator } from "./openapi-validator";
import { resolveOptions, type SimulatorOptions } from "./options";
import { handleRequest, type Pipeline } from "./pipeline";
import { seededRandom } from "./quirks";
import { RateLimiter } from "./rate-limit";
import { Router } from "./router";
import { SandboxFiles } from "./sandbox-files";
import { handleSiteWebRequest, isSiteWebRequest } from "./site-web";
import { Store } from "./store";
import type { FaultSpec, Lifecycle, Observed, RecordedRequest, SimulatorState } from "./types";

export type { SimulatorOptions, MariaDbConnection } from "./options";
export type { FaultSpec, LostAnswer, RecordedRequest, SimulatorState } from "./types";
export { HOSTILE_QUIRKS, type Quirks } from "./quirks";

export interface Simulator {
  /** "http://127.0.0.1:<port>/api", the client's baseUrl. */
  readonly url: string;
  readonly port: number;
  /** Whether requests are validated against the OpenAPI file. */
  readonly contractCheck: boolean;
  readonly requests: RecordedRequest[];
  /** With `checkResponses`, every way a response broke the spec's response schema. */
  readonly responseViolations: string[];
  state(): SimulatorState;
  inject(fault: FaultSpec): void;
  clearRequests(): void;
  /** Forgets all objects, faults, requests and the rate-limit window; removes sandbox site folders and the state file. */
  reset(): void;
  /** Like `reset()`, but first drops the MariaDB schemas and users the state still holds. */
  purge(): Promise<void>;
  close(): Promise<void>;
}

function observe<T extends { lifecycle: Lifecycle }>(record: T, now: number): Observed<T> {
  const { lifecycle, ...rest } = structuredClone(record);
  const values = valuesAt(lifecycle, now);
  return { ...rest, status: typeof values.status === "string" ? values.status : "unknown", values };
}

function buildRouter(validator: ContractValidator | null): Router<RouteDefinition> {
  const router = new Router<RouteDefinition>();
  for (const route of ROUTES) router.add(route.method, route.template, route);
  for (const { method, template } of validator?.templates() ?? []) router.document(method, template);
  return router;
}

function loadValidator(openapiPath: string | null, log: (line: string) => void): ContractValidator | null {
  if (openapiPath === null) {
    log(
      "[forge-simulator] contract check is off: `openapiPath` is null; only the simulator's own domain checks apply.",
    );
    return null;
  }
  if (!fs.existsSync(openapiPath)) {
    log(
      `[forge-simulator] contract check is off: no OpenAPI file at ${openapiPath}; only the simulator's own domain checks apply.`,
    );
    return null;
  }
  return new ContractValidator(loadSpec(openapiPath));
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const opts = resolveOptions(options);
  const validator = loadValidator(opts.openapiPath, opts.log);
  const startedAt = Date.now();
  const servers = opts.servers.map((server) => ({
    id: server.id,
    name: server.name,
    phpVersion: server.phpVersion ?? "php84",
    databaseType: server.databaseType ?? "mariadb1011",
    createdAt: startedAt,
  }));
  const store = new Store(servers, opts.statePath);
  const faults = new Faults();
  const sandbox = new SandboxFiles(opts.sandboxRoot);
  const mariadb = new MariaDbEffects(opts.mariadb);
  // A server with its own MariaDB stands in for a pool member with its own MySQL; the others share the top-level one.
  const ownMariaDb = new Map(
    opts.servers.flatMap((server) =>
      server.mariadb === undefined ? [] : [[server.id, new MariaDbEffects(server.mariadb)] as const],
    ),
  );
  const mariadbFor = (serverId: number): MariaDbEffects => ownMariaDb.get(serverId) ?? mariadb;
  let apiUrl = "";
  const clock = new AsyncClock(opts.profile === "instant" ? "instant" : "realistic", opts.timeScale);
  const services: Services = {
    store,
    // The hostile profile keeps Forge-like durations; its difference is in the quirks.
    clock,
    quirks: opts.quirks,
    timeScale: opts.timeScale,
    faults,
    mariadbFor,
    sandbox,
    agent: opts.agent ?? defaultAgent(sandbox),
    settling: { now: () => clock.now(), save: () => store.save(), log: opts.log },
    org: opts.org,
    pageSize: opts.pageSize,
    maxPageSize: opts.maxPageSize,
    apiUrl: () => apiUrl,
  };
  const requests: RecordedRequest[] = [];
  const responseViolations: string[] = [];
  const limiter = new RateLimiter(opts.rateLimitPerMinute, opts.rateLimitWindowMs);
  const pipeline: Pipeline = {
    services,
    router: buildRouter(validator),
    validator,
    limiter,
    faults,
    token: opts.token,
    tokenScopes: opts.tokenScopes,
    checkResponses: opts.checkResponses,
    requests,
    responseViolations,
    log: opts.log,
    timeScale: opts.timeScale,
    random: seededRandom(opts.quirks.seed),
  };

  const server = http.createServer((req, res) => {
    // The sites' own web servers, simulated: not Forge's API, so no contract check, token, rate limit or request log.
    if (isSiteWebRequest(req)) {
      handleSiteWebRequest(services, req, res);
      return;
    }
    handleRequest(pipeline, req, res).catch((error: unknown) => {
      opts.log(
        `[forge-simulator] could not answer a request: ${error instanceof Error ? error.message : String(error)}`,
      );
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  apiUrl = `http://127.0.0.1:${port}/api`;

  const reset = (): void => {
    store.reset();
    faults.clear();
    limiter.reset();
    requests.length = 0;
    responseViolations.length = 0;
    sandbox.clear();
  };

  return {
    url: apiUrl,
    port,
    contractCheck: validator !== null,
    requests,
    responseViolations,
    state(): SimulatorState {
      const now = services.clock.now();
      if (store.sweep(now)) store.save();
      const { data } = store;
      return {
        servers: structuredClone(data.servers),
        sites: data.sites.map((site) => ({
          ...observe(site, now),
          sandboxPath: sandbox.siteDir(site.serverId, site.name),
        })),
        domains: data.domains.map((item) => observe(item, now)),
        certificates: data.certificates.map((item) => observe(item, now)),
        databases: data.databases.map((item) => observe(item, now)),
        databaseUsers: data.databaseUsers.map((item) => observe(item, now)),
        backgroundProcesses: data.backgroundProcesses.map((item) => observe(item, now)),
        securityRules: data.securityRules.map((item) => observe(item, now)),
        deployments: data.deployments.map((item) => observe(item, now)),
        commands: data.commands.map((item) => observe(item, now)),
        environments: structuredClone(data.environments),
        leftoverUsers: structuredClone(data.leftoverUsers),
      };
    },
    inject: (fault) => faults.add(fault),
    clearRequests: () => {
      requests.length = 0;
    },
    reset,
    async purge(): Promise<void> {
      for (const database of store.data.databases) await mariadbFor(database.serverId).dropDatabase(database.name);
      for (const user of store.data.databaseUsers) await mariadbFor(user.serverId).dropUser(user.name);
      reset();
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([mariadb, ...ownMariaDb.values()].map((effects) => effects.close()));
    },
  };
}
