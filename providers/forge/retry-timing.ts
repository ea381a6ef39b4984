/**
 * How long a server asked us to wait. Forge documents `X-RateLimit-Reset` on 429s; `Retry-After` is what a
 * stock Laravel throttle sends, and it may also come with a 503 during maintenance, so both are read.
 */

export type HeaderBag = Readonly<Record<string, string | undefined>>;

/**
 * `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds from
 * `nowMs`, never negative, or `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday and month; without letters, `Date.parse` would read "-5" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * `X-RateLimit-Reset` is a Unix timestamp in seconds in Laravel; a small number is read as seconds from now,
 * which some proxies send instead. Returns milliseconds from `nowMs`, never negative.
 */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const seconds = Number(text);
  // Anything below 2001-09-09 as a timestamp is surely a relative value.
  if (seconds < 1_000_000_000) return Math.round(seconds * 1000);
  return Math.max(0, Math.round(seconds * 1000 - nowMs));
}

/** `Retry-After` first, then `X-RateLimit-Reset`; `null` when neither says anything. */
export function serverRequestedDelayMs(headers: HeaderBag, nowMs: number): number | null {
  return (
    parseRetryAfter(headers["retry-after"], nowMs) ?? parseRateLimitReset(headers["x-ratelimit-reset"], nowMs) ?? null
  );
}
