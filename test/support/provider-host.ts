import type * as pulumi from "@pulumi/pulumi";
import { ForgeClient, SlidingWindowRateLimiter } from "../../providers/forge";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../tools/simulator";
import { type CapturedRegistration, captureRegistration } from "./capture-provider";
import {
  type CheckOutcome,
  type DiffOutcome,
  type DynamicHost,
  type DynamicHostCallError,
  type DynamicHostOptions,
  hostCallFailure,
  startDynamicHost,
  urnFor,
} from "./dynamic-host";
import type { MockProgramOptions } from "./mock-program";
import { serverSideConfig, testServices } from "./services";
import { ORG, TOKEN } from "./simulator";

type Props = Record<string, unknown>;

/** The fixture of one provider-host suite: the resource's registration and a real dynamic-provider host for it. */
export interface ProviderHost {
  registration: CapturedRegistration;
  /** The resource's urn in the suite's stack. */
  urn: string;
  /** The registered inputs, or with `check: true` what the host's check made of them (as the engine passes to create). */
  inputs: Props;
  /** The host started with the fixture; throws when the suite asked for `startHost: false`. */
  host: DynamicHost;
  /** Another host with the same config: a host's Forge client keeps Forge's 60 requests a minute per process. */
  startHost(): Promise<DynamicHost>;
  /** Closes every host the fixture started. */
  close(): Promise<void>;
}

export interface ForgeProviderHost extends ProviderHost {
  sim: Simulator;
  token: string;
  /** A Forge client against the simulator for setting up and inspecting Forge behind the provider's back. */
  client(): ForgeClient;
}

interface RegistrationOptions {
  /** Builds the resource under mocks; `await import(...)` its module inside, after the mocks are installed. */
  register: () => Promise<pulumi.CustomResource> | pulumi.CustomResource;
  /** The stack in the urn. @default "pr-123" */
  stack?: string;
  /** Run check on the registered inputs with the first host, as the engine does before create. @default false */
  check?: boolean;
  /** Start the first host with the fixture. @default true */
  startHost?: boolean;
  mocks?: MockProgramOptions;
}

export interface ForgeProviderHostOptions extends RegistrationOptions {
  /** Over the defaults: the test token and org, the instant profile, no rate limit, no log lines. */
  simulator?: Partial<SimulatorOptions>;
  /** Sets Forge up before the resource registers, e.g. creates the site it belongs to. */
  prepare?: (sim: Simulator) => Promise<void>;
  /** Also points the host at the local sshd, with the MariaDB account or Redis the resource reaches through it. */
  server?: { mysql?: boolean; redis?: boolean };
}

export interface ProviderHostOptions extends RegistrationOptions {
  /** How to start the host. @default the project root, no stack config */
  host?: DynamicHostOptions;
}

export interface ServerProviderHostOptions extends RegistrationOptions {
  /** The local-service credentials the host's stack config carries besides the sshd's. */
  services: { mysql?: boolean; redis?: boolean };
}

/** A simulator with the contract check on, with what the provider-host suites need unless `overrides` say otherwise. */
export async function startForgeSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({
    token: TOKEN,
    org: ORG,
    profile: "instant",
    rateLimitPerMinute: 0,
    log: () => undefined,
    ...overrides,
  });
  // Every request a provider sends must match Forge's spec; a simulator without the check would hide that.
  if (!sim.contractCheck) {
    await sim.close();
    throw new Error("the simulator started without its contract check: is Forge's OpenAPI file missing?");
  }
  return sim;
}

/** A dynamic-provider host whose stack config points the Forge client at `sim`, polling every 10 ms. */
export function startForgeHost(sim: Simulator, token = TOKEN): Promise<DynamicHost> {
  return startDynamicHost(forgeHostOptions(sim, token));
}

function forgeHostOptions(sim: Simulator, token: string): DynamicHostOptions {
  return {
    config: {
      "forge-previews:forgeApiUrl": sim.url,
      "forge-previews:forgeOrg": ORG,
      "forge-previews:forgeToken": token,
    },
    env: { FORGE_PREVIEWS_POLL_MS: "10" },
  };
}

/** For resources that call Forge: the simulator, the registration and a host pointed at the simulator. */
export async function startForgeProviderHost(options: ForgeProviderHostOptions): Promise<ForgeProviderHost> {
  const sim = await startForgeSimulator(options.simulator);
  const token = options.simulator?.token ?? TOKEN;
  try {
    await options.prepare?.(sim);
    const client = (): ForgeClient =>
      new ForgeClient({ token, org: ORG, baseUrl: sim.url, limiter: new SlidingWindowRateLimiter({ limit: 10_000 }) });
    const hostOptions = forgeHostOptions(sim, token);
    if (options.server !== undefined) {
      hostOptions.config = { ...hostOptions.config, ...serverSideConfig(testServices(), options.server) };
    }
    return await registerAndHost(options, hostOptions, { sim, token, client }, () => sim.close());
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** For resources that work on the server over SSH: the registration and a host pointed at the local services. */
export async function startServerProviderHost(options: ServerProviderHostOptions): Promise<ProviderHost> {
  return startProviderHost({ ...options, host: { config: serverSideConfig(testServices(), options.services) } });
}

/** For any other resource, e.g. a test fixture: the registration and a host started with `options.host`. */
export async function startProviderHost(options: ProviderHostOptions): Promise<ProviderHost> {
  return registerAndHost(options, options.host ?? {}, {}, async () => undefined);
}

async function registerAndHost<Extra extends object>(
  options: RegistrationOptions,
  hostOptions: DynamicHostOptions,
  extra: Extra,
  closeRest: () => Promise<void>,
): Promise<ProviderHost & Extra> {
  const registration = await captureRegistration(options.register, options.mocks);
  const urn = urnFor(registration.type, registration.name, options.stack);
  const hosts: DynamicHost[] = [];
  const startHost = async (): Promise<DynamicHost> => {
    const host = await startDynamicHost(hostOptions);
    hosts.push(host);
    return host;
  };
  const close = async (): Promise<void> => {
    for (const host of hosts) await host.close();
  };
  const first = options.startHost === false ? undefined : await startHost();
  let inputs = registration.inputs;
  if (options.check === true) {
    if (first === undefined) throw new Error("`check: true` needs the first host; drop `startHost: false`");
    // A host that cannot check would otherwise outlive the suite's failed beforeAll.
    inputs = (
      await first.check(urn, {}, registration.inputs).catch(async (error: unknown) => {
        await close();
        throw error;
      })
    ).inputs;
  }
  return {
    ...extra,
    registration,
    urn,
    inputs,
    get host(): DynamicHost {
      if (first === undefined) throw new Error("this fixture started no host (`startHost: false`); use startHost()");
      return first;
    },
    startHost,
    async close() {
      await close();
      await closeRest();
    },
  };
}

/**
 * Gives the enclosing block a {@link startForgeProviderHost} fixture, started before its tests and closed after them.
 * The returned fixture forwards to the one started; use it inside tests and hooks.
 */
export function useForgeProviderHost(options: ForgeProviderHostOptions): ForgeProviderHost {
  let current: ForgeProviderHost | undefined;
  beforeAll(async () => {
    current = await startForgeProviderHost(options);
  });
  afterAll(() => current?.close());
  return forwardingTo(() => current, "the provider host fixture");
}

/** An object that forwards every property to what `current()` returns, once that is set. */
function forwardingTo<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      if (target === undefined) throw new Error(`${what} is not started yet: use it inside a test or hook`);
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Gives the enclosing describe block a host of its own, started before its tests and closed after them, e.g. to keep
 * each host under Forge's 60 requests a minute. The returned host forwards to the block's current host.
 */
export function useGroupHost(fixture: () => ProviderHost): DynamicHost {
  let current: DynamicHost | undefined;
  beforeAll(async () => {
    current = await fixture().startHost();
  });
  afterAll(() => current?.close());
  return new Proxy({} as DynamicHost, {
    get(_target, key) {
      if (current === undefined) throw new Error("the group's host is not started yet: use it inside a test or hook");
      const value: unknown = Reflect.get(current, key);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}

/**
 * Creates while the simulator fails the next async job started by a POST to `path` (or its OpenAPI route), as Forge does
 * when an install fails. Returns the error with the id and partial state the engine keeps from it.
 */
export async function createFailingAsync(
  fixture: ForgeProviderHost,
  path: string,
  inputs: Props,
  host: DynamicHost = fixture.host,
): Promise<{ error: DynamicHostCallError; id: string; state: Props }> {
  fixture.sim.inject({ method: "POST", path, asyncOutcome: "failed" });
  const error = await hostCallFailure(host.create(fixture.urn, inputs));
  if (error.initFailure === undefined)
    throw new Error(`create failed without keeping a partial state: ${error.details}`);
  return { error, id: error.initFailure.id, state: error.initFailure.properties };
}

export interface PreviewOutcome {
  checked: CheckOutcome;
  diffed: DiffOutcome;
  /** `METHOD path` of each Forge request check and diff made; they also run in preview, so there must be none. */
  forgeRequests: string[];
}

/** Checks `news` and diffs the checked inputs against the state `olds` of object `id`, as `pulumi preview` does. */
export async function preview(
  fixture: ForgeProviderHost,
  id: string,
  olds: Props,
  news: Props,
  host: DynamicHost = fixture.host,
): Promise<PreviewOutcome> {
  const before = fixture.sim.requests.length;
  const checked = await host.check(fixture.urn, {}, news);
  const diffed = await host.diff(fixture.urn, id, olds, checked.inputs);
  const forgeRequests = fixture.sim.requests.slice(before).map((request) => `${request.method} ${request.path}`);
  return { checked, diffed, forgeRequests };
}
