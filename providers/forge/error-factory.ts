import * as errors from "./errors";
import type { ForgeApiErrorInit, ForgeError } from "./errors";
import { isRecord } from "../common/narrow";
import { scopesFor, type ForgeOperationId } from "./operations";
import { redactText, redactValue } from "../common/redact";
import { parseRetryAfter, serverRequestedDelayMs, type HeaderBag } from "./retry-timing";

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
      return new errors.ForgeTimeoutError(failure.method, failure.path, failure.code, failure.timeoutMs, cause);
    }
    return new errors.ForgeNetworkError(
      failure.method,
      failure.path,
      failure.code,
      `\`${failure.method} ${failure.path}\` failed: ${message}`,
      cause,
    );
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
    retryAfterMs: requestedDelay(status, failure.headers, failure.nowMs),
    operation: failure.operation,
  };
  if (status === 422) return new errors.ForgeValidationError(init, fieldErrors);
  if (status === 401 || status === 403) return new errors.ForgeAuthError(init, status === 403 ? scopes : []);
  if (status === 404) return new errors.ForgeNotFoundError(init);
  if (status === 429) return new errors.ForgeRateLimitError(init);
  if (status >= 500) return new errors.ForgeServerError(init);
  return new errors.ForgeApiError(init);
}

/**
 * Forge sends `X-RateLimit-Reset` on every response, so it only means "wait until then" on a 429; a 503
 * (maintenance) is waited out only when it carries its own `Retry-After`.
 */
function requestedDelay(status: number, headers: HeaderBag, nowMs: number): number | null {
  if (status === 429) return serverRequestedDelayMs(headers, nowMs);
  if (status === 503) return parseRetryAfter(headers["retry-after"], nowMs) ?? null;
  return null;
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
  if (isRecord(body) && typeof body.message === "string" && body.message.trim())
    return stripPeriod(body.message.trim());
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
