import { startSimulator, type Simulator, type SimulatorOptions } from "../../tools/simulator";
import {
  ForgeClient,
  SlidingWindowRateLimiter,
  type ForgeClientOptions,
} from "../../providers/forge";

/** Distinctive, so a leak into any error or log text is unmistakable. */
export const TOKEN = "forge-test-token-7c1e5a9b3d";
export const ORG = "acme";
export const SERVER_ID = 1;

/**
 * Virtual time for the client: retry delays and rate-limiter waits advance it instead of blocking, and
 * each wait is recorded so tests can assert how long the client chose to wait.
 */
export class VirtualTime {
  private current = Date.now();
  readonly sleeps: number[] = [];

  readonly now = (): number => this.current;

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.current += ms;
  };
}

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
    time: new VirtualTime(),
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
