import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import { ForgeWaitTimeoutError, waitDone, waitFor, waitPending } from "../forge";
import { NEXT_UP } from "../common/cli-hints";
import { UserError } from "../common/user-error";

/**
 * Polls a deployed site's health URL until it answers 200. Laravel 11+ registers `/up` for this; it boots the app
 * (config, routes, database connection) and answers 200, or 500 when booting fails.
 */
export interface HealthAuth {
  username: string;
  password: string;
}

export interface HealthWaitOptions {
  timeoutMs: number;
  intervalMs: number;
  maxIntervalMs?: number;
  backoff?: number;
  /** Per request. */
  requestTimeoutMs?: number;
  /** Connect to this address instead of resolving the URL's host, as `curl --resolve <host>:<port>:<address>` does. */
  resolveAddress?: string | null;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** After a finished deployment the app is up within seconds; three minutes covers a cold PHP-FPM and OPcache. */
export const HEALTH_TIMEOUT_MS = 3 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Laravel's health route on `https://<domain>`; the component passes this when the app has no other. */
export function defaultHealthUrl(domain: string, https = true): string {
  return `${https ? "https" : "http"}://${domain}/up`;
}

/** What one probe saw: an HTTP status, or why no answer came (`ECONNREFUSED`, `timeout`, …). */
export type HealthProbe = { status: number } | { status: null; reason: string };

/** The health check did not get its 200. `lastStatus` is the last HTTP status seen, if any answer came at all. */
export class HealthCheckError extends UserError {
  override readonly name = "HealthCheckError";
  constructor(
    message: string,
    readonly lastStatus: number | null,
  ) {
    super(message);
  }
}

const MAX_REDIRECTS = 5;

/**
 * One GET of `url`, following redirects as a browser would (credentials only to the same origin). TLS is verified
 * against Node's roots plus `NODE_EXTRA_CA_CERTS`, always for the URL's host name, also when `resolveAddress` says
 * where that host is.
 */
export async function probeHealth(
  url: string,
  auth: HealthAuth | null,
  timeoutMs = REQUEST_TIMEOUT_MS,
  resolveAddress: string | null = null,
): Promise<HealthProbe> {
  const origin = new URL(url);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let target = origin;
    for (let hop = 0; ; hop++) {
      const sameHost = target.host === origin.host;
      const answer = await getOnce(target, sameHost ? auth : null, sameHost ? resolveAddress : null, signal);
      if (answer.location === null || hop === MAX_REDIRECTS) return { status: answer.status };
      target = new URL(answer.location, target);
    }
  } catch (error) {
    return { status: null, reason: describeFailure(error) };
  }
}

function getOnce(
  url: URL,
  auth: HealthAuth | null,
  resolveAddress: string | null,
  signal: AbortSignal,
): Promise<{ status: number; location: string | null }> {
  const headers: Record<string, string> = { Accept: "application/json, text/html;q=0.9" };
  if (auth !== null) {
    headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
  }
  const lookup: LookupFunction | undefined =
    resolveAddress === null
      ? undefined
      : (_host, options, callback) => {
          const family = resolveAddress.includes(":") ? 6 : 4;
          if (options.all) callback(null, [{ address: resolveAddress, family }]);
          else callback(null, resolveAddress, family);
        };
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers, signal, lookup, agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      const location = status >= 300 && status < 400 ? (response.headers.location ?? null) : null;
      // The body is not needed; drain it so the connection is released.
      response.resume();
      response.once("end", () => resolve({ status, location }));
      response.once("error", reject);
    });
    request.once("error", reject);
  });
}

/** Duck-typed, not `instanceof`: fetch's errors may come from another realm (undici inside Node, a test sandbox). */
function describeFailure(error: unknown): string {
  const field = (value: unknown, key: string): unknown =>
    value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  const name = field(error, "name");
  if (name === "TimeoutError" || name === "AbortError") return "no answer in time";
  const code = field(field(error, "cause"), "code") ?? field(error, "code");
  return typeof code === "string" ? code : "connection failed";
}

/**
 * Resolves with 200 once `url` answers it. A 401 or 403 ends the wait at once: the credentials are wrong or missing,
 * and waiting will not change that. Any other answer (502 while PHP-FPM reloads, 503 in maintenance mode) is
 * retried until `timeoutMs`. `describeUrl` is the URL as errors may show it (the caller redacts it).
 */
export async function waitForHealthy(
  url: string,
  auth: HealthAuth | null,
  options: HealthWaitOptions,
  describeUrl: string = url,
): Promise<number> {
  const seen: { last: HealthProbe | null } = { last: null };
  try {
    return await waitFor(
      async () => {
        const last = await probeHealth(url, auth, options.requestTimeoutMs, options.resolveAddress ?? null);
        seen.last = last;
        if (last.status === 200) return waitDone(200);
        if (last.status === 401 || last.status === 403) {
          // Worded without `word: value` pairs, which the log redaction would take for secrets.
          const fix =
            auth === null
              ? "the site asks for basic-auth credentials, so pass `healthAuth` with the username and password of its security rule"
              : "the site refused `healthAuth`, so pass the username and password its security rule holds";
          throw new HealthCheckError(`Health check of ${describeUrl} answered ${last.status}; ${fix}.`, last.status);
        }
        return waitPending(last.status === null ? last.reason : String(last.status));
      },
      { what: `${describeUrl} to answer 200`, ...options },
    );
  } catch (error) {
    if (!(error instanceof ForgeWaitTimeoutError)) throw error;
    const last = seen.last;
    const lastAnswer = last === null ? "none" : last.status === null ? last.reason : String(last.status);
    throw new HealthCheckError(
      `Health check of ${describeUrl} did not answer 200 within ${Math.round(error.waitedMs / 1000)} s ` +
        `(last answer: ${lastAnswer}). Check the app's logs on the server; ${NEXT_UP} checks again.`,
      last === null ? null : last.status,
    );
  }
}
