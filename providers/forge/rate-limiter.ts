/**
 * Forge allows 60 requests a minute per user, and every preview job in a process shares the token, so
 * every client in the process shares one limiter (see `sharedRateLimiter`).
 */

export interface RateLimiter {
  /** Resolves when one more request may be sent; callers are served in order. */
  acquire(): Promise<void>;
  /** Holds every caller back for `ms` (used when Forge answers 429 despite the limiter). */
  pauseFor(ms: number): void;
}

export interface RateLimiterOptions {
  /** Requests allowed in any window. */
  limit: number;
  windowMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RATE_LIMITER_OPTIONS = {
  limit: 60,
  windowMs: 60_000,
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
} satisfies RateLimiterOptions;

/**
 * A sliding-window log: at most `limit` grants in any `windowMs`. Unlike a token bucket with a burst, it
 * can never exceed Forge's fixed one-minute window, yet lets a short burst (a whole preview create) run
 * without spacing.
 */
export class SlidingWindowRateLimiter implements RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #grants: number[] = [];
  #pausedUntil = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(options: Partial<RateLimiterOptions> = {}) {
    this.#options = { ...DEFAULT_RATE_LIMITER_OPTIONS, ...options };
    if (!(this.#options.limit >= 1) || !(this.#options.windowMs > 0)) {
      throw new RangeError("Rate limiter needs `limit` >= 1 and `windowMs` > 0");
    }
  }

  acquire(): Promise<void> {
    const turn = this.#tail.then(() => this.#waitForSlot());
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#options.now() + ms);
  }

  async #waitForSlot(): Promise<void> {
    const { limit, windowMs, now, sleep } = this.#options;
    for (;;) {
      const at = now();
      while (this.#grants.length > 0 && this.#grants[0] <= at - windowMs) this.#grants.shift();
      const windowWait = this.#grants.length >= limit ? this.#grants[0] + windowMs - at : 0;
      const wait = Math.max(this.#pausedUntil - at, windowWait);
      if (wait <= 0) {
        this.#grants.push(at);
        return;
      }
      await sleep(wait);
    }
  }
}

/**
 * The process-wide limiter hangs off `globalThis` under a registered symbol, not a module variable, so a
 * second loaded copy of this module (one resolved through another path, or `jest.isolateModules`) finds the same one.
 */
const SHARED_LIMITER_KEY = Symbol.for("forge-previews.forge.rate-limiter");

/**
 * Requests a minute for the process-wide limiter: Forge's 60, or `FORGE_PREVIEWS_RATE_LIMIT` when Forge support raised
 * the account's limit (the local simulator's tests raise it too).
 */
export function configuredRateLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FORGE_PREVIEWS_RATE_LIMIT;
  if (raw === undefined || raw === "") return 60;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new RangeError(
      `FORGE_PREVIEWS_RATE_LIMIT must be a whole number of requests a minute, not ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

/** The process-wide limiter (60 requests a minute unless configured), created on first use. */
export function sharedRateLimiter(): RateLimiter {
  const existing: unknown = Reflect.get(globalThis, SHARED_LIMITER_KEY);
  if (isRateLimiter(existing)) return existing;
  const created = new SlidingWindowRateLimiter({ limit: configuredRateLimit() });
  Reflect.set(globalThis, SHARED_LIMITER_KEY, created);
  return created;
}

/** Replaces the process-wide limiter, e.g. when Forge support raised the account's limit. */
export function setSharedRateLimiter(limiter: RateLimiter): void {
  Reflect.set(globalThis, SHARED_LIMITER_KEY, limiter);
}

function isRateLimiter(value: unknown): value is RateLimiter {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "acquire") === "function" &&
    typeof Reflect.get(value, "pauseFor") === "function"
  );
}
