// The real project under the real engine against the embedded default: a throw-away project directory whose entries
// link to the working tree, a PulumiWorkspace around it whose engine (and so provider host) carries the embedded
// default's environment, and the simulator, MariaDB and Redis to assert on.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";

import {
  type EmbeddedDefault,
  SANDBOX_APP,
  SANDBOX_DOMAIN,
  type StackConfigValue,
  startEmbeddedDefault,
  toConfigJson,
} from "../../tools/sandbox/embedded-default";
import type { RecordedRequest, Simulator, SimulatorOptions, SimulatorState } from "../../tools/simulator";
import { PROGRAM_ENTRIES, PROJECT_NAME as PROJECT } from "../../providers/common/project";
import { parseDotenv } from "../../providers/common/dotenv";
import { MANAGED_ENV_KEYS } from "../../stacks/config-rules";
import { buildPreviewNames, type PreviewNames } from "../../stacks/naming";
import { type TestServices, testServices } from "../support/services";
import { type OperationReport, type StateResource, parseEngineEvents } from "./engine-json";
import { type PulumiRun, PulumiWorkspace, repoRoot } from "./pulumi-engine";

/** What the program and the provider host load from the project directory; node_modules is linked by the workspace. */

/** The Redis hash (in database 0) where RedisDbSlot records which stack holds which database. */
export const SLOT_CLAIMS_KEY = "forge-previews:slots";

/**
 * Config that keeps the engine tests' Redis claims to databases 12-13, which no other test file claims from: the
 * RedisDbSlot host test claims 14-15 and, all at once, ten of 2-11. Two slots allow two environments.
 */
export const ENGINE_TEST_SLOTS: Record<string, StackConfigValue> = {
  redisSlotRange: { value: "12-13" },
  maxEnvironments: { value: "2" },
};

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * A directory whose entries link to the repository's, so copying it is instant and it runs the working tree. With
 * `typeCheck: false` its tsconfig.json is the repository's plus `noCheck`, which the Node.js runtime turns into
 * ts-node's transpile-only mode: `tsc` already checks these sources, and type-checking the program again on every
 * engine command costs seconds each time.
 */
export async function linkPreviewProject(options: { typeCheck?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "preview-project-"));
  for (const entry of PROGRAM_ENTRIES) {
    if (entry === "tsconfig.json" && options.typeCheck === false) {
      const tsconfig = JSON.parse(await readFile(path.join(repoRoot, entry), "utf8")) as {
        compilerOptions?: Record<string, unknown>;
      };
      tsconfig.compilerOptions = { ...tsconfig.compilerOptions, noCheck: true };
      await writeFile(path.join(dir, entry), JSON.stringify(tsconfig, null, 2));
      continue;
    }
    await symlink(path.join(repoRoot, entry), path.join(dir, entry));
  }
  return dir;
}

/**
 * PulumiWorkspace copies the test process's environment when it is created and offers no other way in, so `extra` is
 * put into that environment just for the call and the previous values are restored after it.
 */
export async function createWorkspaceWithEnv(
  projectSource: string,
  extra: Record<string, string>,
): Promise<PulumiWorkspace> {
  const saved = Object.fromEntries(Object.keys(extra).map((key) => [key, process.env[key]]));
  Object.assign(process.env, extra);
  try {
    return await PulumiWorkspace.create({ projectSource });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** A failed engine command, with its JSON events parsed when it printed them. */
export interface FailedOperation {
  run: PulumiRun;
  report: OperationReport;
  /** The engine's error diagnostics joined, e.g. to look for a provider's message. */
  errors: string;
}

export interface PreviewEngine {
  workspace: PulumiWorkspace;
  embedded: EmbeddedDefault;
  sim: Simulator;
  services: TestServices;
  /** `stack init` plus every config key of the embedded default in one `config set-all`, with `overrides` on top. */
  initStack(stack: string, overrides?: Record<string, StackConfigValue>): Promise<void>;
  /** Runs an update-like command that must fail, and returns what it printed. */
  failing(command: "up" | "refresh" | "destroy", stack: string): Promise<FailedOperation>;
  /** Calls Forge's API on the simulator with the stack's token, as someone acting out of band would. */
  forgeApi(method: string, apiPath: string): Promise<{ status: number; body: unknown }>;
  /** Runs `fn` against the embedded MariaDB as root. */
  withMariaDb<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<unknown[]>) => Promise<T>): Promise<T>;
  /** The RedisDbSlot claims held by `stack`: database index → claim. */
  redisClaimsOf(stack: string): Promise<Record<string, Record<string, unknown>>>;
  dispose(): Promise<void>;
}

/** Starts the simulator (on the jest run's MariaDB, Redis and sshd) and a workspace for the real project. */
export async function startPreviewEngine(
  options: { simulator?: Partial<SimulatorOptions>; typeCheck?: boolean } = {},
): Promise<PreviewEngine> {
  const services = testServices();
  const scratch = await mkdtemp(path.join(tmpdir(), "preview-engine-"));
  const cleanups: Array<() => Promise<void>> = [() => rm(scratch, { recursive: true, force: true })];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    await mkdir(path.join(scratch, "simulator"));
    const embedded = await startEmbeddedDefault({
      dir: path.join(scratch, "simulator"),
      services,
      simulator: options.simulator,
    });
    cleanups.push(() => embedded.stop());
    const project = await linkPreviewProject({ typeCheck: options.typeCheck ?? false });
    cleanups.push(() => rm(project, { recursive: true, force: true }));
    const workspace = await createWorkspaceWithEnv(project, embedded.env);
    cleanups.push(() => workspace.dispose());
    const token = embedded.stackConfig.forgeToken?.value ?? "";
    // A test that failed half-way must not leave schemas, users or Redis claims to the test files after it.
    const stacks = new Set<string>();
    cleanups.push(async () => {
      await embedded.simulator.purge();
      await withClaims(services, (claims) => claims.release(stacks));
    });

    return {
      workspace,
      embedded,
      sim: embedded.simulator,
      services,
      async initStack(stack, overrides = {}) {
        await workspace.stackInit(stack);
        stacks.add(stack);
        const config = toConfigJson(PROJECT, { ...embedded.stackConfig, ...overrides });
        const run = await workspace.runAllowingFailure(["config", "set-all", "--stack", stack, "--json", config]);
        // The arguments carry the Forge token and the SSH key, so only the CLI's own message is shown.
        if (run.exitCode !== 0)
          throw new Error(`\`pulumi config set-all --stack ${stack}\` failed: ${run.stderr.slice(-2000)}`);
      },
      async failing(command, stack) {
        const run = await workspace.runAllowingFailure([
          command,
          "--stack",
          stack,
          "--yes",
          "--skip-preview",
          "--json",
        ]);
        if (run.exitCode === 0)
          throw new Error(`\`pulumi ${command} --stack ${stack}\` was expected to fail but succeeded`);
        const report = parseEngineEvents(run.stdout);
        const errors = report.diagnostics
          .filter((d) => d.severity === "error")
          .map((d) => d.message)
          .join("\n");
        return { run, report, errors };
      },
      async forgeApi(method, apiPath) {
        const response = await fetch(`${embedded.simulator.url}${apiPath}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.api+json" },
        });
        const text = await response.text();
        return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
      },
      async withMariaDb(fn) {
        const { host, port, user, password } = services.mariadb;
        const connection = await createConnection({ host, port, user, password });
        try {
          return await fn(async (sql, params) => (await connection.query(sql, params))[0] as unknown[]);
        } finally {
          await connection.end();
        }
      },
      redisClaimsOf: (stack) => withClaims(services, async (claims) => claims.filter(stack)),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Gives the enclosing block (or file) a preview engine, started before its tests and disposed of after them. The
 * returned engine forwards to the one started; use it inside tests and hooks.
 */
export function usePreviewEngine(options: Parameters<typeof startPreviewEngine>[0] = {}): PreviewEngine {
  let current: PreviewEngine | undefined;
  beforeAll(async () => {
    current = await startPreviewEngine(options);
  });
  afterAll(async () => {
    await current?.dispose();
  });
  return new Proxy({} as PreviewEngine, {
    get(_target, key) {
      if (current === undefined) throw new Error("the preview engine is not started yet: use it inside a test or hook");
      const value: unknown = Reflect.get(current, key);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}

/** The names of preview `pr` of the sandbox's default app. */
export function sandboxPreviewNames(pr: number): PreviewNames {
  return buildPreviewNames({ app: SANDBOX_APP, pr, isDefaultApp: true, previewDomain: SANDBOX_DOMAIN });
}

/** Forge API writes among `requests` (the simulator's log, or a slice of it), as `METHOD path`. */
export function forgeWrites(requests: readonly RecordedRequest[]): string[] {
  return requests.filter((r) => WRITE_METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`);
}

/** The engine's step for each resource type in `report`, as `type → ops` (a type can have several resources). */
export function opsByType(report: OperationReport): Record<string, string[]> {
  const ops: Record<string, string[]> = {};
  for (const step of report.steps) (ops[step.type] ??= []).push(step.op);
  return ops;
}

interface ClaimsView {
  /** database index → claim, for the claims `stack` holds. */
  filter(stack: string): Record<string, Record<string, unknown>>;
  /** Drops the claims of `stacks` (their databases were never written to by the simulated apps). */
  release(stacks: ReadonlySet<string>): Promise<void>;
}

async function withClaims<T>(services: TestServices, fn: (claims: ClaimsView) => Promise<T> | T): Promise<T> {
  const client = createClient({
    socket: { host: services.redis.host, port: services.redis.port },
    password: services.redis.password,
  });
  await client.connect();
  try {
    await client.select(0);
    const raw = await client.hGetAll(SLOT_CLAIMS_KEY);
    const parsed = Object.entries(raw).map(
      ([slot, text]) => [slot, JSON.parse(text) as Record<string, unknown>] as const,
    );
    return await fn({
      filter: (stack) => Object.fromEntries(parsed.filter(([, claim]) => claim.stack === stack)),
      async release(stacks) {
        const slots = parsed.filter(([, claim]) => stacks.has(String(claim.stack))).map(([slot]) => slot);
        if (slots.length > 0) await client.hDel(SLOT_CLAIMS_KEY, slots);
      },
    });
  } finally {
    await client.quit();
  }
}

/** The stack's resources as the engine counts them in its change summary: everything but provider resources. */
export function managedResources(exported: readonly StateResource[]): StateResource[] {
  return exported.filter((r) => !r.type.startsWith("pulumi:providers:"));
}

/** The one resource of dynamic type `forge:<kind>` in an export; fails when there is none or several. */
export function resourceOf(exported: readonly StateResource[], kind: string): StateResource {
  const found = exported.filter((r) => r.type === `pulumi-nodejs:dynamic/forge:${kind}`);
  if (found.length !== 1) throw new Error(`expected one forge:${kind} in the stack export, found ${found.length}`);
  return found[0]!;
}

/** The simulator's objects that belong to a preview: by name, or by one of the site ids it has had. */
export function stackObjects(state: SimulatorState, names: PreviewNames, siteIds: ReadonlySet<number>) {
  const onSites = <T extends { siteId: number | null }>(items: T[]): T[] =>
    items.filter((i) => i.siteId !== null && siteIds.has(i.siteId));
  return {
    sites: state.sites.filter((s) => s.name === names.domain || siteIds.has(s.id)),
    databases: state.databases.filter((d) => d.name === names.database),
    databaseUsers: state.databaseUsers.filter((u) => u.name === names.databaseUser),
    backgroundProcesses: state.backgroundProcesses.filter(
      (p) => p.name.includes(names.stack) || (p.siteId !== null && siteIds.has(p.siteId)),
    ),
    securityRules: onSites(state.securityRules),
    certificates: onSites(state.certificates),
    deployments: onSites(state.deployments),
  };
}

/** `stackObjects` of the engine's simulator, after adding the ids of the sites named like the preview to `siteIds`. */
export function objectsOfStack(
  engine: PreviewEngine,
  names: PreviewNames,
  siteIds: Set<number>,
): ReturnType<typeof stackObjects> {
  const state = engine.sim.state();
  for (const site of state.sites.filter((s) => s.name === names.domain)) siteIds.add(site.id);
  return stackObjects(state, names, siteIds);
}

/** What {@link stackObjects} finds of a preview that left nothing on Forge. */
export const NO_FORGE_OBJECTS: Readonly<ReturnType<typeof stackObjects>> = {
  sites: [],
  databases: [],
  databaseUsers: [],
  backgroundProcesses: [],
  securityRules: [],
  certificates: [],
  deployments: [],
};

/** Nothing of the preview on Forge (on a site it has had, or by name), in MariaDB or in Redis. */
export async function expectNothingLeft(
  engine: PreviewEngine,
  names: PreviewNames,
  siteIds: ReadonlySet<number> = new Set(),
): Promise<void> {
  expect(stackObjects(engine.sim.state(), names, siteIds)).toEqual(NO_FORGE_OBJECTS);
  expect(await mariaDbHas(engine, names)).toEqual({ schema: false, user: false, grantedOnSchema: false });
  expect(await engine.redisClaimsOf(names.stack)).toEqual({});
}

/**
 * The site's .env (in the simulator's sandbox at `sitePath`) has every managed key, and the preview's own URL, database,
 * user, password and Redis database from its stack `outputs`.
 */
export async function expectPreviewEnvFile(
  sitePath: string,
  outputs: Record<string, unknown>,
  names: PreviewNames,
): Promise<void> {
  const env = parseDotenv(await readFile(path.join(sitePath, ".env"), "utf8"));
  expect([...env.keys()]).toEqual(expect.arrayContaining([...MANAGED_ENV_KEYS]));
  expect(
    Object.fromEntries(
      ["APP_URL", "DB_DATABASE", "DB_USERNAME", "DB_PASSWORD", "REDIS_DB"].map((k) => [k, env.get(k)]),
    ),
  ).toEqual({
    APP_URL: outputs.url,
    DB_DATABASE: names.database,
    DB_USERNAME: names.databaseUser,
    DB_PASSWORD: outputs.databasePassword,
    REDIS_DB: String(outputs.redisDb),
  });
}

/** Whether MariaDB itself (not the simulator's bookkeeping) has the preview's schema, its user, and the user's grant on it. */
export async function mariaDbHas(
  engine: PreviewEngine,
  names: PreviewNames,
): Promise<{ schema: boolean; user: boolean; grantedOnSchema: boolean }> {
  return engine.withMariaDb(async (query) => {
    const count = async (sql: string, params: unknown[]): Promise<number> => {
      const [row] = await query(sql, params);
      return typeof row === "object" && row !== null && "n" in row ? Number(row.n) : 0;
    };
    const schema = await count("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
      names.database,
    ]);
    const user = await count("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?", [names.databaseUser]);
    const granted = await count(
      "SELECT COUNT(*) AS n FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND REPLACE(TABLE_SCHEMA, '\\_', '_') = ?",
      [`'${names.databaseUser}'@'%'`, names.database],
    );
    return { schema: schema > 0, user: user > 0, grantedOnSchema: granted > 0 };
  });
}

/**
 * Waits until the simulator no longer holds the site (deletes finish asynchronously). It asks the simulator's state,
 * not the API, so the wait spends none of the 60 requests a minute the engine runs under.
 */
export async function waitUntilSiteGone(engine: PreviewEngine, siteId: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (engine.sim.state().sites.some((site) => site.id === siteId)) {
    if (Date.now() > deadline)
      throw new Error(`site ${siteId} is still on the simulator ${timeoutMs} ms after its delete`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The simulator object a dynamic resource stands for, or null for resources that are not Forge objects (Redis, MariaDB). */
function forgeObjectOf(state: SimulatorState, resource: StateResource): { status?: string } | undefined | null {
  const id = Number(resource.id);
  switch (resource.type.replace("pulumi-nodejs:dynamic/forge:", "")) {
    case "Site":
      return state.sites.find((o) => o.id === id);
    case "Database":
      return state.databases.find((o) => o.id === id);
    case "BasicAuth":
      return state.securityRules.find((o) => o.id === id);
    case "LetsEncryptCert":
      return state.certificates.find((o) => o.id === id);
    case "Deployment":
      return state.deployments.find((o) => o.id === resource.outputs.deploymentId);
    case "Worker":
      return state.backgroundProcesses.find((o) => o.id === id);
    case "SiteEnvironment":
      return String(resource.outputs.siteId) in state.environments ? {} : undefined;
    default:
      return null;
  }
}

/**
 * Resources of the export whose Forge object is missing from the simulator, or whose recorded `status` differs from
 * the object's: an empty list means the state and Forge agree.
 */
export function stateMismatches(exported: readonly StateResource[], state: SimulatorState): string[] {
  const problems: string[] = [];
  for (const resource of exported.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))) {
    const object = forgeObjectOf(state, resource);
    if (object === null) continue;
    if (object === undefined) problems.push(`${resource.type} ${resource.id}: not on Forge`);
    else if (typeof resource.outputs.status === "string" && resource.outputs.status !== object.status) {
      problems.push(
        `${resource.type} ${resource.id}: state says ${resource.outputs.status}, Forge says ${object.status}`,
      );
    }
  }
  return problems;
}
