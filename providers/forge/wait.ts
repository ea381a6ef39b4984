import { ForgeWaitTimeoutError } from "./errors";

/**
 * Polling for an async Forge operation (most writes answer 202 and finish later). Waiting is not
 * retrying: a failed request inside `check` was already retried by the client, and whatever `check`
 * throws (a `failed` status, say) ends the wait at once.
 */

export type WaitResult<T> = { done: true; value: T } | { done: false; status: string | null };

/** The object reached the wanted state. */
export function waitDone<T>(value: T): WaitResult<T> {
  return { done: true, value };
}

/** Not there yet; `status` is reported if the wait times out. */
export function waitPending(status: string | null): WaitResult<never> {
  return { done: false, status };
}

export interface WaitForOptions {
  /** What is awaited, for the timeout message: "site 12 (pr-7.example.dev) to be installed". */
  what: string;
  timeoutMs: number;
  /** First pause between checks. */
  intervalMs: number;
  /** Each pause is the previous one times this. */
  backoff?: number;
  /** Ceiling of the pause. */
  maxIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const DEFAULT_WAIT_OPTIONS = {
  backoff: 1.5,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
} satisfies Partial<WaitForOptions>;

/**
 * Calls `check` until it reports done, pausing between calls with a growing interval. The last pause is cut
 * short at the deadline and followed by one final check; if that is still pending, throws a
 * `ForgeWaitTimeoutError` naming `what` and the last status seen.
 */
export async function waitFor<T>(check: () => Promise<WaitResult<T>>, options: WaitForOptions): Promise<T> {
  const { sleep, now, backoff } = { ...DEFAULT_WAIT_OPTIONS, ...options };
  const maxIntervalMs = options.maxIntervalMs ?? options.intervalMs * 4;
  if (!(options.timeoutMs >= 0) || !(options.intervalMs > 0) || !(backoff >= 1)) {
    throw new RangeError("waitFor needs `timeoutMs` >= 0, `intervalMs` > 0 and `backoff` >= 1");
  }
  const started = now();
  const deadline = started + options.timeoutMs;
  let interval = options.intervalMs;
  let lastStatus: string | null = null;
  for (;;) {
    const result = await check();
    if (result.done) return result.value;
    lastStatus = result.status ?? lastStatus;
    const remaining = deadline - now();
    if (remaining <= 0) throw new ForgeWaitTimeoutError(options.what, lastStatus, now() - started);
    await sleep(Math.min(interval, remaining));
    interval = Math.min(maxIntervalMs, interval * backoff);
  }
}
