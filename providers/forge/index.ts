/**
 * The Forge API client (new API, `/api/orgs/{org}/...`). Everything a caller needs is exported here.
 *
 * Plain TypeScript, with no constraints from Pulumi's closure serializer: every dynamic resource is a thin shim
 * (`providers/runtime/shim.ts`) whose serialized form names a module path, and the provider host `require`s this client
 * from disk (test/provider/providers/guard.test.ts holds every resource to that).
 */
export { ForgeClient, createForgeClient, DEFAULT_CLIENT_OPTIONS } from "./client";
export type { ForgeClientOptions, ForgeLogger } from "./client";
export * from "./errors";
export { createForgeError, readFieldErrors } from "./error-factory";
export { CREATE_ATTEMPTS, ForgeLostCreateError, createOrFindAfterLostAnswer, isAnswerLost } from "./lost-answer";
export type { CreateOutcome, LostCreateRecovery } from "./lost-answer";
export type { ForgeFailure } from "./error-factory";
export { DEFAULT_RETRY_OPTIONS, MAX_SERVER_DELAY_MS, isRetryable, retryDelayMs, withRetry } from "./retry";
export type { RetryContext, RetryOptions } from "./retry";
export { parseRateLimitReset, parseRetryAfter, serverRequestedDelayMs } from "./retry-timing";
export type { HeaderBag } from "./retry-timing";
export {
  DEFAULT_RATE_LIMITER_OPTIONS,
  configuredRateLimit,
  SlidingWindowRateLimiter,
  setSharedRateLimiter,
  sharedRateLimiter,
} from "./rate-limiter";
export type { RateLimiter, RateLimiterOptions } from "./rate-limiter";
export { Paginated, findFirst, listAll } from "./paginate";
export type { Page, PageFetcher } from "./paginate";
export { DEFAULT_WAIT_OPTIONS, waitDone, waitFor, waitPending } from "./wait";
export type { WaitForOptions, WaitResult } from "./wait";
export {
  AttributeReader,
  decodeDocument,
  decodePage,
  decodeResource,
  decodeSingletonAttributes,
  parseId,
} from "./json-api";
export type { DecodedPage, DecodedResource } from "./json-api";
export { FORGE_OPERATIONS, scopesFor } from "./operations";
export type { ForgeOperation, ForgeOperationId, OperationPathParams } from "./operations";
export { REDACTED, envValues, redactText, redactValue } from "../common/redact";
export { buildPath, buildQuery } from "./request";
export type { ForgeRequest, ForgeTransport, QueryValue } from "./request";
export * from "./organizations";
export * from "./servers";
export * from "./sites";
export * from "./domains";
export * from "./certificates";
export * from "./environment";
export * from "./deployments";
export * from "./databases";
export * from "./database-users";
export * from "./background-processes";
export * from "./security-rules";
export * from "./commands";
export * from "./healthcheck";
export type * from "./types";
export { DEPLOYMENT_STATUSES, DOMAIN_RECORD_STATUSES, PHP_VERSIONS, SITE_STATUSES, SITE_TYPES } from "./types";
