import { type FakeTime, fakeTime } from "./fake-time";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../tools/simulator";
import {
  ForgeClient,
  SlidingWindowRateLimiter,
  type CreateSiteParams,
  type ForgeClientOptions,
} from "../../providers/forge";

/** Distinctive, so a leak into any error or log text is unmistakable. */
export const TOKEN = "forge-test-token-7c1e5a9b3d";
export const ORG = "acme";
export const SERVER_ID = 1;

/**
 * Virtual time for the client, from the real clock on: retry delays and rate-limiter waits advance it instead of
 * blocking, and each wait is recorded so tests can assert how long the client chose to wait.
 */
export type VirtualTime = FakeTime;

export interface Harness {
  sim: Simulator;
  time: VirtualTime;
  logs: string[];
  client(options?: ForgeClientOptions): ForgeClient;
  /** `METHOD path` of each request the simulator received, in order. */
  calls(): string[];
}

export async function startHarness(options: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const sim = await startSimulator({
    token: TOKEN,
    org: ORG,
    pageSize: 2,
    profile: "instant",
    rateLimitPerMinute: 60,
    log: () => undefined,
    ...options,
  });
  const harness: Harness = {
    sim,
    time: fakeTime(Date.now()),
    logs: [],
    client(clientOptions = {}) {
      const { time, logs } = harness;
      return new ForgeClient({
        token: TOKEN,
        org: ORG,
        baseUrl: sim.url,
        pageSize: 2,
        timeoutMs: 5_000,
        retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
        sleep: time.sleep,
        now: time.now,
        random: () => 0.5,
        limiter: new SlidingWindowRateLimiter({ limit: 60, windowMs: 60_000, now: time.now, sleep: time.sleep }),
        logger: { debug: (line) => logs.push(line), warn: (line) => logs.push(line) },
        ...clientOptions,
      });
    },
    calls: () => sim.requests.map((request) => `${request.method} ${request.path}`),
  };
  return harness;
}

/** Resets the simulator and the recorded waits and log lines between tests. */
export function resetHarness(harness: Harness): void {
  harness.sim.reset();
  harness.time.sleeps.splice(0);
  harness.logs.splice(0);
}

/** What a client suite works with: the file's simulator and a client made fresh for each test. */
export interface HarnessContext {
  readonly h: Harness;
  readonly forge: ForgeClient;
}

/**
 * Registers the hooks every client suite needs: one simulator for the file, reset before each test, with a new client.
 * Read `h` and `forge` inside tests and hooks; they are set by the time those run.
 */
export function useHarness(options: Partial<SimulatorOptions> = {}): HarnessContext {
  const context = {} as { h: Harness; forge: ForgeClient };
  beforeAll(async () => {
    context.h = await startHarness(options);
  });
  afterAll(async () => {
    await context.h?.sim.close();
  });
  beforeEach(() => {
    resetHarness(context.h);
    context.forge = context.h.client();
  });
  return context;
}

/** {@link useHarness} plus a new site before each test, whose creation is cleared from the request log. */
export function useHarnessWithSite(
  site: CreateSiteParams,
): HarnessContext & { readonly siteId: number; readonly sitePath: string } {
  const context = useHarness() as HarnessContext & { siteId: number; sitePath: string };
  beforeEach(async () => {
    context.siteId = (await context.forge.sites.create(SERVER_ID, site)).id;
    context.sitePath = `/orgs/${ORG}/servers/${SERVER_ID}/sites/${context.siteId}`;
    context.h.sim.clearRequests();
  });
  return context;
}
