import { ForgeApiError, ForgeNetworkError, ForgeRateLimitError, ForgeServerError, type ForgeError } from "./errors";

/** The only place in the client that loops on errors. Waiting for a status is `wait.ts`, not this. */

export interface RetryOptions {
  /** Total attempts, the first one included. */
  attempts: number;
  /** Backoff for the first retry; doubles each time. */
  baseDelayMs: number;
  /** Ceiling of the computed backoff (a server-requested delay may be longer, up to `MAX_SERVER_DELAY_MS`). */
  maxDelayMs: number;
  /**
   * Retries of a request refused with 429, counted apart from `attempts`: a 429 is the token's budget, spent by every
   * job that shares the token, and waiting for the window to reset always ends it. @default 10
   */
  rateLimitRetries?: number;
}

export const DEFAULT_RETRY_OPTIONS = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  rateLimitRetries: 10,
} as const satisfies RetryOptions;

/**
 * A server asking for more than this (a long maintenance, a reset far away) is not worth blocking a
 * deployment on; the error is thrown instead so the caller sees it.
 */
export const MAX_SERVER_DELAY_MS = 120_000;

/**
 * Whether a failed attempt may be repeated. 429 always: the request was refused, nothing happened. 5xx,
 * network errors and timeouts only for methods other than POST, because a POST may have created something
 * before failing; creates rely on look-up-and-adopt instead. A `repeatable` POST (an action that ends in the same
 * state however often it runs) is retried like the other methods. Other 4xx never change by repeating them.
 */
export function isRetryable(error: ForgeError, method: string, repeatable = false): boolean {
  if (error instanceof ForgeRateLimitError) return true;
  if (method.toUpperCase() === "POST" && !repeatable) return false;
  if (error instanceof ForgeServerError) return true;
  return error instanceof ForgeNetworkError;
}

/**
 * Delay before retry number `retry` (1 for the first retry). A server-requested delay wins; otherwise
 * exponential backoff, capped, with "equal jitter" (half fixed, half random) so parallel jobs spread out
 * but never retry immediately.
 */
export function retryDelayMs(
  error: ForgeError,
  retry: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  if (error instanceof ForgeApiError && error.retryAfterMs !== null) return error.retryAfterMs;
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export interface RetryContext {
  method: string;
  /** The operation may be repeated even as a POST (see `isRetryable`). */
  repeatable?: boolean;
  options: RetryOptions;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait; the client logs here and pauses the shared rate limiter on a 429. */
  onRetry?: (info: { error: ForgeError; attempt: number; delayMs: number }) => void;
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the attempts run out (429s have their own
 * count, `rateLimitRetries`).
 */
export async function withRetry<T>(run: (attempt: number) => Promise<T>, context: RetryContext): Promise<T> {
  const attempts = Math.max(1, Math.floor(context.options.attempts));
  let failures = 0;
  let refusals = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!(error instanceof ForgeApiError || error instanceof ForgeNetworkError)) throw error;
      if (!isRetryable(error, context.method, context.repeatable)) throw error;
      if (error instanceof ForgeRateLimitError) refusals += 1;
      else failures += 1;
      if (
        failures >= attempts ||
        refusals > (context.options.rateLimitRetries ?? DEFAULT_RETRY_OPTIONS.rateLimitRetries)
      )
        throw error;
      const delayMs = retryDelayMs(error, Math.max(1, failures), context.options, context.random);
      if (delayMs > MAX_SERVER_DELAY_MS) throw error;
      context.onRetry?.({ error, attempt, delayMs });
      await context.sleep(delayMs);
    }
  }
}
