/**
 * Forge's limit: a number of requests per window per token. The simulator accepts one token, so one limiter counts
 * every client of it, whatever process or machine it runs in. Every response carries the `X-RateLimit-*` headers
 * Forge documents; past the limit the answer is 429 with `Retry-After` in seconds, unless the `omitRetryAfter` quirk
 * leaves the client only `X-RateLimit-Reset`.
 */
export class RateLimiter {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  private roll(now: number): void {
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
  }

  /** Counts one request; returns false when the window's budget is already spent. */
  take(now: number): boolean {
    if (!this.enabled) return true;
    this.roll(now);
    if (this.used >= this.limit) return false;
    this.used += 1;
    return true;
  }

  headers(now: number): Record<string, string> {
    if (!this.enabled) return {};
    this.roll(now);
    const resetMs = this.windowStart + this.windowMs;
    return {
      "X-RateLimit-Limit": String(this.limit),
      "X-RateLimit-Remaining": String(Math.max(0, this.limit - this.used)),
      "X-RateLimit-Reset": String(Math.ceil(resetMs / 1000)),
    };
  }

  retryAfterSeconds(now: number): number {
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
  }

  /** The headers of a 429: `Retry-After` unless the quirk omits it (the `X-RateLimit-*` ones come with every answer). */
  refusalHeaders(now: number, omitRetryAfter: boolean): Record<string, string> {
    return omitRetryAfter ? {} : { "Retry-After": String(this.retryAfterSeconds(now)) };
  }

  reset(): void {
    this.windowStart = 0;
    this.used = 0;
  }
}
