/**
 * Forge allows 60 requests a minute per user, and every preview job in a process shares the token, so
 * every client in the process shares one limiter (see `sharedRateLimiter`). Jobs on other machines share the
 * token too, and no process can see their requests; Forge's own count can: every answer carries
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset`, and the limiter paces itself by them (see `observe`).
 */
import { type HeaderBag, parseRateLimitReset } from "./retry-timing";

export interface RateLimiter {
  /** Resolves when one more request may be sent; callers are served in order. */
  acquire(): Promise<void>;
  /** Holds every caller back for `ms` (used when Forge answers 429 despite the limiter). */
  pauseFor(ms: number): void;
  /** Learns the token's budget left in Forge's window from an answer's `X-RateLimit-*` headers. */
  observe?(headers: HeaderBag): void;
}

/** What Forge last said of the token's window: requests left and when the window resets (local clock). */
interface ServerBudget {
  remaining: number;
  limit: number;
  resetAt: number;
  /** Requests this process was granted since, which the count may not include yet. */
  grantedSince: number;
}

/**
 * How long to hold the next request so that the token's budget lasts to the window's end, whoever else spends it.
 * Spent: wait for the reset. More than half left: no wait, so one job's burst runs unspaced. Otherwise spread what
 * is left over the time left: each process that does this slows down as the shared count falls, so several of them
 * together approach zero only as the window ends, without knowing of each other.
 */
export function serverPaceMs(budget: ServerBudget | null, at: number, lastGrantAt: number): number {
  if (budget === null || at >= budget.resetAt) return 0;
  const left = budget.remaining - budget.grantedSince;
  if (left <= 0) return budget.resetAt - at;
  if (left > budget.limit / 2) return 0;
  return Math.max(0, lastGrantAt + (budget.resetAt - at) / left - at);
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
  #budget: ServerBudget | null = null;
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

  observe(headers: HeaderBag): void {
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const limit = Number(headers["x-ratelimit-limit"]);
    const at = this.#options.now();
    const resetIn = parseRateLimitReset(headers["x-ratelimit-reset"], at);
    if (!Number.isInteger(remaining) || !(limit >= 1) || resetIn === undefined) return;
    const resetAt = at + resetIn;
    // Answers arrive out of order: within one window (the same reset) the lowest count is the freshest.
    const current = this.#budget !== null && at < this.#budget.resetAt ? this.#budget : null;
    const sameWindow = current !== null && resetAt <= current.resetAt + 1000;
    if (sameWindow && remaining > current.remaining - current.grantedSince) return;
    this.#budget = { remaining, limit, resetAt, grantedSince: 0 };
  }

  async #waitForSlot(): Promise<void> {
    const { limit, windowMs, now, sleep } = this.#options;
    for (;;) {
      const at = now();
      while (this.#grants.length > 0 && this.#grants[0] <= at - windowMs) this.#grants.shift();
      const windowWait = this.#grants.length >= limit ? this.#grants[0] + windowMs - at : 0;
      const lastGrant = this.#grants.at(-1) ?? Number.NEGATIVE_INFINITY;
      const wait = Math.max(this.#pausedUntil - at, windowWait, serverPaceMs(this.#budget, at, lastGrant));
      if (wait <= 0) {
        this.#grants.push(at);
        if (this.#budget !== null) this.#budget.grantedSince += 1;
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
