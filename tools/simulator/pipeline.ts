import type { IncomingMessage, ServerResponse } from "http";
import { authenticate, authorize } from "./auth";
import { HttpError, validationError } from "./errors";
import type { Faults } from "./faults";
import type { RequestContext, RouteDefinition, Services } from "./handlers/context";
import { resolveParams } from "./handlers/lookup";
import { parseJsonObject, readBody, send } from "./http-io";
import type { ContractValidator } from "./openapi-validator";
import type { SpecOperation } from "./openapi-spec";
import { checkVocabulary } from "./query-vocabulary";
import type { RateLimiter } from "./rate-limit";
import type { Router } from "./router";
import type { FaultSpec, RecordedRequest } from "./types";

export interface Pipeline {
  services: Services;
  router: Router<RouteDefinition>;
  validator: ContractValidator | null;
  limiter: RateLimiter;
  faults: Faults;
  token: string;
  tokenScopes: string[] | null;
  checkResponses: boolean;
  requests: RecordedRequest[];
  responseViolations: string[];
  log: (line: string) => void;
  /** Multiplies the `latencyMs` quirk, like every realistic duration. */
  timeScale: number;
  /** Draws the latency and server-error quirks, seeded by the `seed` quirk. */
  random: () => number;
}

const STATUS_TEXT: Record<number, string> = {
  429: "Too Many Attempts.",
  500: "Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  operation?: SpecOperation;
  /** Injected faults are the test's own answers, so they are not checked against the spec. */
  injected?: boolean;
}

/** The `lostAnswer` fault a request took, if any; filled in by `answer`, which may throw after taking it. */
interface LostSlot {
  fault?: FaultSpec;
}

async function answer(
  p: Pipeline,
  method: string,
  path: string,
  query: Record<string, string>,
  raw: string,
  header: string | undefined,
  record: RecordedRequest,
  lost: LostSlot,
): Promise<Answer> {
  const { services } = p;
  authenticate(header, p.token);
  const now = services.clock.now();
  if (!p.limiter.take(now)) {
    throw new HttpError(429, "Too Many Attempts.", null, p.limiter.refusalHeaders(now, services.quirks.omitRetryAfter));
  }
  if (services.store.sweep(now)) services.store.save();
  await hostileNetwork(p);

  const match = p.router.match(method, path);
  const template = match.kind === "not-found" ? null : match.template;
  if (template !== null) record.route = template;
  const fault = p.faults.takeResponseFault(method, path, template);
  if (fault?.lostAnswer !== undefined) {
    // Carried out as usual below; handleRequest then keeps the answer from the client.
    lost.fault = fault;
    record.lostAnswer = fault.lostAnswer;
  } else if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
  if (fault?.status !== undefined && fault.lostAnswer === undefined) {
    const headers = { ...(fault.status === 429 ? { "Retry-After": "1" } : {}), ...fault.headers };
    return {
      status: fault.status,
      body: fault.body ?? { message: STATUS_TEXT[fault.status] ?? "Injected fault." },
      headers,
      injected: true,
    };
  }
  if (match.kind === "not-found") throw new HttpError(404, `No Forge API route matches ${method} ${path}.`);
  if (match.kind === "method-not-allowed") {
    throw new HttpError(
      405,
      `The ${method} method is not supported for route ${match.template}. Supported methods: ${match.allowed.join(", ")}.`,
      null,
      { Allow: match.allowed.join(", ") },
    );
  }
  if (match.kind === "unimplemented")
    throw new HttpError(501, `The Forge simulator does not implement ${method} ${match.template}.`);

  const { route, params } = match;
  const operation = p.validator?.operation(method, template ?? "");
  authorize(operation !== undefined ? operation.permissions : [route.scope], p.tokenScopes);
  const ctx: RequestContext = {
    services,
    method,
    path,
    template: match.template,
    params,
    query,
    body: {},
    now,
    found: {},
    vocabulary: {
      filters: operation?.filters ?? route.filters ?? [],
      sorts: operation?.sorts ?? route.sorts ?? [],
      includes: operation?.includes ?? route.includes ?? [],
    },
  };
  ctx.found = resolveParams(ctx);
  ctx.body = method === "GET" || method === "DELETE" ? {} : parseJsonObject(raw);
  if (Object.keys(ctx.body).length > 0) record.bodyKeys = Object.keys(ctx.body);
  checkVocabulary(query, ctx.vocabulary);
  if (p.validator !== null && operation !== undefined) {
    const errors = { ...p.validator.validateQuery(operation, query), ...p.validator.validateBody(operation, ctx.body) };
    if (Object.keys(errors).length > 0) throw validationError(errors);
  }
  const result = await route.handler(ctx);
  if (method !== "GET") services.store.save();
  // The quirk: Forge's create answered, but with nothing in the body (the object exists all the same).
  const body = method === "POST" && result.status < 300 && services.quirks.emptyCreateBodies ? undefined : result.body;
  return { status: result.status, body, operation };
}

const SERVER_ERRORS = [500, 502, 503];

/** The `latencyMs` and `serverErrorRate` quirks: a jittered wait, and now and then a 5xx before anything is done. */
async function hostileNetwork(p: Pipeline): Promise<void> {
  const { latencyMs, serverErrorRate } = p.services.quirks;
  if (latencyMs !== null) {
    const [low, high] = latencyMs;
    await sleep(Math.round((low + p.random() * (high - low)) * p.timeScale));
  }
  if (serverErrorRate > 0 && p.random() < serverErrorRate) {
    const status = SERVER_ERRORS[Math.floor(p.random() * SERVER_ERRORS.length)];
    throw new HttpError(status, STATUS_TEXT[status]);
  }
}

/**
 * Keeps an answer back: resolves false once the client closes the connection (it gave up waiting), or true after
 * `delayMs` if it is still waiting, for an answer that arrives late. Without `delayMs` only the client ends the wait.
 */
function heldUntil(res: ServerResponse, delayMs: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.socket === null || res.socket.destroyed) {
      resolve(false);
      return;
    }
    const timer = delayMs === undefined ? undefined : setTimeout(() => finish(true), delayMs);
    const onClose = (): void => finish(false);
    const finish = (stillWaiting: boolean): void => {
      if (timer !== undefined) clearTimeout(timer);
      res.off("close", onClose);
      resolve(stillWaiting && !res.destroyed);
    };
    res.once("close", onClose);
  });
}

/** Runs one request through auth, rate limit, faults, routing, scopes, validation and the handler. */
export async function handleRequest(p: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = Date.now();
  const method = (req.method ?? "GET").toUpperCase();
  const parsed = new URL(req.url ?? "/", "http://127.0.0.1");
  const isApi = parsed.pathname === "/api" || parsed.pathname.startsWith("/api/");
  const path = isApi ? parsed.pathname.slice(4) || "/" : parsed.pathname;
  const query = Object.fromEntries(parsed.searchParams.entries());
  const record: RecordedRequest = { method, path, query, status: 0, at };
  p.requests.push(record);

  let result: Answer;
  const lost: LostSlot = {};
  try {
    const raw = await readBody(req);
    if (!isApi) throw new HttpError(404, `Not found: the Forge API lives under /api.`);
    result = await answer(p, method, path, query, raw, req.headers.authorization, record, lost);
  } catch (error) {
    if (error instanceof HttpError) {
      result = { status: error.status, body: error.body(), headers: error.headers };
    } else {
      p.log(`[forge-simulator] ${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
      result = { status: 500, body: { message: "Server Error" } };
    }
  }
  record.status = result.status;
  if (lost.fault !== undefined) {
    const { lostAnswer, delayMs, status } = lost.fault;
    if (lostAnswer === "reset") {
      res.socket?.destroy();
      return;
    }
    if (lostAnswer === "timeout" && !(await heldUntil(res, delayMs))) return;
    if (lostAnswer === "server-error") {
      const code = status ?? 500;
      result = {
        status: code,
        body: lost.fault.body ?? { message: STATUS_TEXT[code] ?? "Injected fault." },
        headers: lost.fault.headers,
        injected: true,
      };
    }
  }
  const now = p.services.clock.now();
  const headers = { ...p.limiter.headers(now), ...result.headers };
  if (p.checkResponses && p.validator !== null && record.route !== undefined && result.injected !== true) {
    const operation = result.operation ?? p.validator.operation(method, record.route);
    if (operation !== undefined && (result.status < 300 || operation.responses.has(result.status))) {
      p.responseViolations.push(...p.validator.checkResponse(operation, result.status, result.body));
    }
  }
  send(res, result.status, headers, result.body);
}
