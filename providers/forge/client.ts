import { BackgroundProcessesApi } from "./background-processes";
import { CertificatesApi } from "./certificates";
import { CommandsApi } from "./commands";
import { DatabaseUsersApi } from "./database-users";
import { DatabasesApi } from "./databases";
import { DeploymentsApi } from "./deployments";
import { DomainsApi } from "./domains";
import { EnvironmentApi } from "./environment";
import {
  ForgeApiError,
  ForgeConfigError,
  ForgeDecodeError,
  ForgeNetworkError,
  ForgeRateLimitError,
  ForgeTimeoutError,
  type ForgeError,
} from "./errors";
import { createForgeError } from "./error-factory";
import { HealthcheckApi } from "./healthcheck";
import { sendHttp } from "./http";
import { decodeDocument, decodePage, type DecodedResource } from "./json-api";
import type { ForgeOperation, ForgeOperationId } from "./operations";
import { FORGE_OPERATIONS } from "./operations";
import { OrganizationsApi } from "./organizations";
import { Paginated } from "./paginate";
import { sharedRateLimiter, type RateLimiter } from "./rate-limiter";
import { redactText } from "../common/redact";
import { buildPath, buildQuery, type ForgeRequest, type ForgeTransport } from "./request";
import { DEFAULT_RETRY_OPTIONS, withRetry, type RetryOptions } from "./retry";
import { SecurityRulesApi } from "./security-rules";
import { ServersApi } from "./servers";
import { SitesApi } from "./sites";
import { waitFor, type WaitForOptions, type WaitResult } from "./wait";

export interface ForgeLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export interface ForgeClientOptions {
  /**
   * The API token, or a function returning it, called for every request so the token is never stored.
   * @default `process.env.FORGE_TOKEN`, read at call time
   */
  token?: string | (() => string | undefined);
  /** @default `process.env.FORGE_API_URL` or "https://forge.laravel.com/api" */
  baseUrl?: string;
  /** Organization slug, needed by every `/orgs/{org}/...` call. @default `process.env.FORGE_ORG` */
  org?: string;
  /** Per-request timeout. @default `process.env.FORGE_TIMEOUT_MS` or 30000 */
  timeoutMs?: number;
  /** @default { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30000 } */
  retry?: Partial<RetryOptions>;
  /** Used for retry delays and by `client.waitFor`; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source for retry delays. @default Math.random */
  random?: () => number;
  now?: () => number;
  /** @default the process-wide limiter (60 requests a minute) */
  limiter?: RateLimiter;
  /** Receives one line per request and per retry; never bodies or headers. @default silent */
  logger?: ForgeLogger;
  /** `page[size]` for lists. @default 30 */
  pageSize?: number;
}

const SILENT_LOGGER: ForgeLogger = { debug: () => undefined, warn: () => undefined };

export const DEFAULT_CLIENT_OPTIONS = {
  baseUrl: "https://forge.laravel.com/api",
  timeoutMs: 30_000,
  retry: DEFAULT_RETRY_OPTIONS,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
  now: () => Date.now(),
  logger: SILENT_LOGGER,
  pageSize: 30,
} as const satisfies Required<Omit<ForgeClientOptions, "token" | "org" | "limiter" | "retry">> & {
  retry: RetryOptions;
};

interface Settings {
  baseUrl: string;
  timeoutMs: number;
  pageSize: number;
  retry: RetryOptions;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  logger: ForgeLogger;
  org: string | null;
  limiter: RateLimiter;
}

/**
 * A client for Forge's new API (`/api/orgs/{org}/...`). Every request goes through one rate limiter,
 * `withRetry`, and the error factory; per-area methods hang off it (`client.sites.create(...)`).
 */
export class ForgeClient implements ForgeTransport {
  readonly organizations = new OrganizationsApi(this);
  readonly servers = new ServersApi(this);
  readonly sites = new SitesApi(this);
  readonly domains = new DomainsApi(this);
  readonly certificates = new CertificatesApi(this);
  readonly environment = new EnvironmentApi(this);
  readonly deployments = new DeploymentsApi(this);
  readonly databases = new DatabasesApi(this);
  readonly databaseUsers = new DatabaseUsersApi(this);
  readonly backgroundProcesses = new BackgroundProcessesApi(this);
  readonly securityRules = new SecurityRulesApi(this);
  readonly commands = new CommandsApi(this);
  readonly healthcheck = new HealthcheckApi(this);

  readonly #settings: Settings;
  /** The token lives only inside this function, so neither `util.inspect` nor `JSON.stringify` of the client shows it. */
  readonly #readToken: () => string | undefined;

  constructor(options: ForgeClientOptions = {}) {
    const { token } = options;
    this.#readToken = typeof token === "function" ? token : () => token ?? process.env.FORGE_TOKEN;
    const defaults = DEFAULT_CLIENT_OPTIONS;
    // Listed one by one rather than spread from `options`, so the token cannot end up in `settings`.
    this.#settings = {
      baseUrl: (options.baseUrl ?? process.env.FORGE_API_URL ?? defaults.baseUrl).replace(/\/+$/, ""),
      timeoutMs: options.timeoutMs ?? timeoutFromEnv() ?? defaults.timeoutMs,
      pageSize: options.pageSize ?? defaults.pageSize,
      retry: { ...defaults.retry, ...definedOnly(options.retry ?? {}) },
      sleep: options.sleep ?? defaults.sleep,
      random: options.random ?? defaults.random,
      now: options.now ?? defaults.now,
      logger: options.logger ?? defaults.logger,
      org: options.org ?? process.env.FORGE_ORG ?? null,
      limiter: options.limiter ?? sharedRateLimiter(),
    };
  }

  /** The organization slug every `/orgs/{org}` path uses, or `null` when none was configured. */
  get org(): string | null {
    return this.#settings.org;
  }

  /** A client for another organization, sharing every other option (and the rate limiter). */
  withOrg(org: string): ForgeClient {
    const { baseUrl, timeoutMs, pageSize, retry, sleep, random, now, logger, limiter } = this.#settings;
    return new ForgeClient({
      token: this.#readToken,
      org,
      baseUrl,
      timeoutMs,
      pageSize,
      retry,
      sleep,
      random,
      now,
      logger,
      limiter,
    });
  }

  async send<Op extends ForgeOperationId>(request: ForgeRequest<Op>): Promise<unknown> {
    const operation: ForgeOperation = FORGE_OPERATIONS[request.operation];
    const { method } = operation;
    const path = buildPath(request.operation, request.params, request.org ?? this.#settings.org);
    const url = `${this.#settings.baseUrl}${path}${buildQuery(request.query)}`;
    const token = this.#readToken();
    if (!token) {
      throw new ForgeConfigError("No Forge API token: pass `token` to the Forge client or set FORGE_TOKEN");
    }
    const secrets = [token, ...(request.secrets ?? [])];
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (request.body !== undefined) headers["Content-Type"] = "application/json";
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const { logger, limiter, now, retry } = this.#settings;
    const label = redactText(`${method} ${path}${buildQuery(request.query)}`, secrets);

    return withRetry(
      async () => {
        await limiter.acquire();
        const started = now();
        const outcome = await sendHttp({ method, url, headers, body, timeoutMs: this.#settings.timeoutMs });
        const took = now() - started;
        if (outcome.kind === "transport") {
          logger.debug(`${label} failed after ${took} ms: ${redactText(outcome.message, secrets)}`);
          throw createForgeError({
            ...outcome,
            kind: "transport",
            method,
            path,
            timeoutMs: this.#settings.timeoutMs,
            secrets,
          });
        }
        logger.debug(`${label} -> ${outcome.status} in ${took} ms`);
        // Forge's count of the token's requests, which other processes and machines spend too.
        limiter.observe?.(outcome.headers);
        const parsed = parseBody(outcome.bodyText, outcome.status);
        if (outcome.status >= 200 && outcome.status < 300) {
          if (parsed.ok) return parsed.value;
          throw new ForgeDecodeError(`\`${method} ${path}\` answered ${outcome.status} with a body that is not JSON`);
        }
        throw createForgeError({
          kind: "response",
          status: outcome.status,
          method,
          path,
          body: parsed.ok ? parsed.value : outcome.bodyText,
          headers: outcome.headers,
          operation: request.operation,
          nowMs: now(),
          secrets,
        });
      },
      {
        method,
        repeatable: operation.repeatable === true,
        options: retry,
        sleep: this.#settings.sleep,
        random: this.#settings.random,
        onRetry: ({ error, attempt, delayMs }) => {
          // Every client in the process holds back, not just this request: the limit is per token.
          if (error instanceof ForgeRateLimitError) limiter.pauseFor(delayMs);
          logger.warn(
            `${label}: ${describeFailure(error)}; retry ${attempt} of ${retry.attempts - 1} in ${delayMs} ms`,
          );
        },
      },
    );
  }

  async sendFor<Op extends ForgeOperationId, T>(
    request: ForgeRequest<Op>,
    expectedType: string,
    map: (resource: DecodedResource) => T,
  ): Promise<T> {
    return map(decodeDocument(await this.send(request), expectedType));
  }

  list<Op extends ForgeOperationId, T>(
    request: ForgeRequest<Op> & { pageSize?: number | null },
    expectedType: string,
    map: (resource: DecodedResource) => T,
  ): Paginated<T> {
    const { pageSize = this.#settings.pageSize, ...rest } = request;
    return new Paginated(async (cursor) => {
      const paging = pageSize === null ? {} : { "page[size]": pageSize, "page[cursor]": cursor ?? undefined };
      const query = { ...rest.query, ...paging };
      const page = decodePage(await this.send({ ...rest, query } as ForgeRequest<Op>), expectedType);
      return { items: page.items.map(map), nextCursor: page.nextCursor };
    });
  }

  /** `waitFor` using this client's `sleep` and clock, so tests that speed up the client speed this up too. */
  waitFor<T>(check: () => Promise<WaitResult<T>>, options: WaitForOptions): Promise<T> {
    return waitFor(check, { sleep: this.#settings.sleep, now: this.#settings.now, ...options });
  }
}

export function createForgeClient(options: ForgeClientOptions = {}): ForgeClient {
  return new ForgeClient(options);
}

function parseBody(text: string, status: number): { ok: true; value: unknown } | { ok: false } {
  // 202/204 answers from Forge's async operations are empty.
  if (text.trim() === "" || status === 204) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function describeFailure(error: ForgeError): string {
  if (error instanceof ForgeApiError) return `got ${error.status}`;
  if (error instanceof ForgeTimeoutError) return `timed out after ${error.timeoutMs} ms`;
  if (error instanceof ForgeNetworkError) return `network error ${error.code ?? ""}`.trim();
  return error.message;
}

/** `FORGE_TIMEOUT_MS`, when it is a positive whole number of milliseconds. */
function timeoutFromEnv(): number | null {
  const raw = process.env.FORGE_TIMEOUT_MS?.trim();
  if (raw === undefined || raw === "") return null;
  if (!/^[1-9]\d*$/.test(raw))
    throw new ForgeConfigError(`FORGE_TIMEOUT_MS must be a whole number of milliseconds, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
