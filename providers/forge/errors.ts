import { scopesFor, type ForgeOperationId } from "./operations";
import { redactText, redactValue } from "./redact";
import { serverRequestedDelayMs, type HeaderBag } from "./retry-timing";

/**
 * Base of every error the Forge client throws. None of them holds request headers, request bodies or the
 * transport's own error object, so printing one (or serializing it) cannot leak the token or a password.
 */
export class ForgeError extends Error {
  override readonly name: string = "ForgeError";
}

/** Bad client setup: a missing token or org, or an id that is not a positive integer. */
export class ForgeConfigError extends ForgeError {
  override readonly name: string = "ForgeConfigError";
}

/** Forge answered 2xx with a body this client cannot read. */
export class ForgeDecodeError extends ForgeError {
  override readonly name: string = "ForgeDecodeError";
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
  override readonly name: string = "ForgeApiError";
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
  override readonly name: string = "ForgeValidationError";
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;

  constructor(init: ForgeApiErrorInit, fieldErrors: Record<string, string[]>) {
    super(init);
    this.fieldErrors = fieldErrors;
  }
}

/** 401 (bad or expired token) or 403 (the token lacks a scope; `requiredScopes` lists the operation's). */
export class ForgeAuthError extends ForgeApiError {
  override readonly name: string = "ForgeAuthError";
  readonly requiredScopes: readonly string[];

  constructor(init: ForgeApiErrorInit, requiredScopes: readonly string[]) {
    super(init);
    this.requiredScopes = requiredScopes;
  }
}

export class ForgeNotFoundError extends ForgeApiError {
  override readonly name: string = "ForgeNotFoundError";
}

/** 429: over Forge's 60 requests a minute. */
export class ForgeRateLimitError extends ForgeApiError {
  override readonly name: string = "ForgeRateLimitError";
}

/** 5xx, including 503 while Forge is in maintenance. */
export class ForgeServerError extends ForgeApiError {
  override readonly name: string = "ForgeServerError";
}

/**
 * The request never got an HTTP answer (refused, reset, DNS). `cause` is a plain `Error` carrying only the
 * transport's code and message, never the transport error itself, whose config holds the headers.
 */
export class ForgeNetworkError extends ForgeError {
  override readonly name: string = "ForgeNetworkError";
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
  override readonly name: string = "ForgeTimeoutError";
  readonly timeoutMs: number;

  constructor(method: string, path: string, code: string | null, timeoutMs: number, cause: Error) {
    super(method, path, code, `\`${method} ${path}\` timed out after ${timeoutMs} ms`, cause);
    this.timeoutMs = timeoutMs;
  }
}

/** `waitFor` ran out of time. Names the object waited for and the last status seen. */
export class ForgeWaitTimeoutError extends ForgeError {
  override readonly name: string = "ForgeWaitTimeoutError";
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

export type ForgeFailure =
  | {
      kind: "response";
      status: number;
      method: string;
      path: string;
      body: unknown;
      headers: HeaderBag;
      operation: ForgeOperationId | null;
      nowMs: number;
      secrets: readonly string[];
    }
  | {
      kind: "transport";
      method: string;
      path: string;
      code: string | null;
      message: string;
      timedOut: boolean;
      timeoutMs: number;
      secrets: readonly string[];
    };

/** The one place that turns a failed request into the right error class. */
export function createForgeError(failure: ForgeFailure): ForgeError {
  if (failure.kind === "transport") {
    const message = redactText(failure.message, failure.secrets);
    const cause = Object.assign(new Error(message), { code: failure.code });
    if (failure.timedOut) {
      return new ForgeTimeoutError(failure.method, failure.path, failure.code, failure.timeoutMs, cause);
    }
    return new ForgeNetworkError(failure.method, failure.path, failure.code, `\`${failure.method} ${failure.path}\` failed: ${message}`, cause);
  }

  const body = redactValue(failure.body, failure.secrets);
  const { status } = failure;
  const fieldErrors = status === 422 ? readFieldErrors(body) : {};
  const scopes = failure.operation ? scopesFor(failure.operation) : [];
  let detail = firstFieldError(fieldErrors) ?? readMessage(body) ?? fallbackDetail(status);
  if (status === 401) detail += ". Check that the Forge API token is valid and has not expired";
  if (status === 403 && scopes.length > 0) {
    detail += `. The token needs the ${scopes.map((scope) => `\`${scope}\``).join(" and ")} scope`;
  }
  const init: ForgeApiErrorInit = {
    status,
    method: failure.method,
    path: failure.path,
    body,
    detail,
    retryAfterMs: status === 429 || status === 503 ? serverRequestedDelayMs(failure.headers, failure.nowMs) : null,
    operation: failure.operation,
  };
  if (status === 422) return new ForgeValidationError(init, fieldErrors);
  if (status === 401 || status === 403) return new ForgeAuthError(init, status === 403 ? scopes : []);
  if (status === 404) return new ForgeNotFoundError(init);
  if (status === 429) return new ForgeRateLimitError(init);
  if (status >= 500) return new ForgeServerError(init);
  return new ForgeApiError(init);
}

/** Laravel sends `{message, errors: {field: [...]}}`; older endpoints sent the bare `{field: [...]}` map. */
export function readFieldErrors(body: unknown): Record<string, string[]> {
  if (!isRecord(body)) return {};
  const source = isRecord(body.errors) ? body.errors : body;
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(source)) {
    if (Array.isArray(messages)) {
      const texts = messages.filter((m): m is string => typeof m === "string");
      if (texts.length > 0) out[field] = texts;
    } else if (typeof messages === "string" && source !== body) {
      out[field] = [messages];
    }
  }
  return out;
}

function firstFieldError(fieldErrors: Record<string, string[]>): string | undefined {
  for (const messages of Object.values(fieldErrors)) if (messages[0]) return stripPeriod(messages[0]);
  return undefined;
}

function readMessage(body: unknown): string | undefined {
  if (isRecord(body) && typeof body.message === "string" && body.message.trim()) return stripPeriod(body.message.trim());
  // A proxy in front of Forge may answer with HTML or plain text.
  if (typeof body === "string" && body.trim()) return body.replace(/\s+/g, " ").trim().slice(0, 200);
  return undefined;
}

function fallbackDetail(status: number): string {
  if (status === 503) return "Forge is unavailable (maintenance?)";
  if (status >= 500) return "Forge had a server error";
  return "the response carried no message";
}

function stripPeriod(text: string): string {
  return text.endsWith(".") ? text.slice(0, -1) : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
