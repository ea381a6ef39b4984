import type { ForgeOperationId } from "./operations";

/** Which error it is, readable even where `instanceof` cannot work (two copies of this module). */
export type ForgeErrorKind =
  | "forge"
  | "config"
  | "decode"
  | "api"
  | "validation"
  | "auth"
  | "not-found"
  | "rate-limit"
  | "server"
  | "network"
  | "timeout"
  | "wait-timeout";

/**
 * Base of every error the Forge client throws. None of them holds request headers, request bodies or the
 * transport's own error object, so printing one (or serializing it) cannot leak the token or a password.
 */
export class ForgeError extends Error {
  readonly kind: ForgeErrorKind = "forge";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad client setup: a missing token or org, or an id that is not a positive integer. */
export class ForgeConfigError extends ForgeError {
  override readonly kind: ForgeErrorKind = "config";
}

/** Forge answered 2xx with a body this client cannot read. */
export class ForgeDecodeError extends ForgeError {
  override readonly kind: ForgeErrorKind = "decode";
}

export interface ForgeApiErrorInit {
  status: number;
  method: string;
  /** Path below the base URL, without the query string. */
  path: string;
  /** The parsed (and redacted) response body. */
  body: unknown;
  /** The human part of the message: the first field error, the server's message, or a fallback. */
  detail: string;
  /** What the server asked us to wait (`Retry-After`, then `X-RateLimit-Reset`), when it said. */
  retryAfterMs: number | null;
  operation: ForgeOperationId | null;
}

/** Forge answered with a non-2xx status. The message reads "`METHOD path` failed with 422: detail". */
export class ForgeApiError extends ForgeError {
  override readonly kind: ForgeErrorKind = "api";
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly retryAfterMs: number | null;
  readonly operation: ForgeOperationId | null;

  constructor(init: ForgeApiErrorInit) {
    super(`\`${init.method} ${init.path}\` failed with ${init.status}: ${init.detail}`);
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    this.operation = init.operation;
  }
}

/** 422: Forge rejected the input. `fieldErrors` maps each field to its messages. */
export class ForgeValidationError extends ForgeApiError {
  override readonly kind: ForgeErrorKind = "validation";
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;

  constructor(init: ForgeApiErrorInit, fieldErrors: Record<string, string[]>) {
    super(init);
    this.fieldErrors = fieldErrors;
  }
}

/** 401 (bad or expired token) or 403 (the token lacks a scope; `requiredScopes` lists the operation's). */
export class ForgeAuthError extends ForgeApiError {
  override readonly kind: ForgeErrorKind = "auth";
  readonly requiredScopes: readonly string[];

  constructor(init: ForgeApiErrorInit, requiredScopes: readonly string[]) {
    super(init);
    this.requiredScopes = requiredScopes;
  }
}

/** True for Forge's 404, also when the error came from another loaded copy of this module (checked by `kind`). */
export function isForgeNotFound(error: unknown): boolean {
  return error instanceof ForgeNotFoundError || (error instanceof Error && Reflect.get(error, "kind") === "not-found");
}

/** What `request` resolves to, or `null` when Forge answers 404. */
export async function nullIfNotFound<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (isForgeNotFound(error)) return null;
    throw error;
  }
}

export class ForgeNotFoundError extends ForgeApiError {
  override readonly kind: ForgeErrorKind = "not-found";
}

/** 429: over Forge's 60 requests a minute. */
export class ForgeRateLimitError extends ForgeApiError {
  override readonly kind: ForgeErrorKind = "rate-limit";
}

/** 5xx, including 503 while Forge is in maintenance. */
export class ForgeServerError extends ForgeApiError {
  override readonly kind: ForgeErrorKind = "server";
}

/**
 * The request never got an HTTP answer (refused, reset, DNS). `cause` is a plain `Error` carrying only the
 * transport's code and message, never the transport error itself, whose config holds the headers.
 */
export class ForgeNetworkError extends ForgeError {
  override readonly kind: ForgeErrorKind = "network";
  readonly method: string;
  readonly path: string;
  readonly code: string | null;

  constructor(method: string, path: string, code: string | null, message: string, cause: Error) {
    super(message, { cause });
    this.method = method;
    this.path = path;
    this.code = code;
  }
}

/** No answer within the client's `timeoutMs`. */
export class ForgeTimeoutError extends ForgeNetworkError {
  override readonly kind: ForgeErrorKind = "timeout";
  readonly timeoutMs: number;

  constructor(method: string, path: string, code: string | null, timeoutMs: number, cause: Error) {
    super(method, path, code, `\`${method} ${path}\` timed out after ${timeoutMs} ms`, cause);
    this.timeoutMs = timeoutMs;
  }
}

/** `waitFor` ran out of time. Names the object waited for and the last status seen. */
export class ForgeWaitTimeoutError extends ForgeError {
  override readonly kind: ForgeErrorKind = "wait-timeout";
  readonly what: string;
  readonly lastStatus: string | null;
  readonly waitedMs: number;

  constructor(what: string, lastStatus: string | null, waitedMs: number) {
    const status = lastStatus === null ? "no status seen" : `last status \`${lastStatus}\``;
    super(`Timed out after ${Math.round(waitedMs / 1000)} s waiting for ${what} (${status})`);
    this.what = what;
    this.lastStatus = lastStatus;
    this.waitedMs = waitedMs;
  }
}
