/**
 * Forge API calls from the simulator's request log, sorted into writes, reads and polls, and attributed to the
 * resource that made them.
 */
import type { RecordedRequest } from "../tools/simulator";
import type { ResourceSpan } from "./engine-timeline";

export type CallKind = "write" | "read" | "poll";

export interface CallCounts {
  write: number;
  read: number;
  poll: number;
  /** Answers with 429 Too Many Requests, whatever the kind. */
  rateLimited: number;
}

const emptyCounts = (): CallCounts => ({ write: 0, read: 0, poll: 0, rateLimited: 0 });

/**
 * Every non-GET is a write. A GET of one object (its route ends in an id) that was already fetched is a poll: the
 * client repeating it to watch a status; the first GET of an object, and every list, is a read.
 */
export function classifyCalls(
  requests: readonly RecordedRequest[],
): Array<{ request: RecordedRequest; kind: CallKind }> {
  const fetched = new Set<string>();
  return requests.map((request) => {
    if (request.method !== "GET") return { request, kind: "write" };
    const isObject = /\}$/.test(request.route ?? "");
    if (!isObject) return { request, kind: "read" };
    const seen = fetched.has(request.path);
    fetched.add(request.path);
    return { request, kind: seen ? "poll" : "read" };
  });
}

export function countCalls(calls: ReadonlyArray<{ request: RecordedRequest; kind: CallKind }>): CallCounts {
  const counts = emptyCounts();
  for (const { request, kind } of calls) {
    counts[kind] += 1;
    if (request.status === 429) counts.rateLimited += 1;
  }
  return counts;
}

/** The route families each resource type uses; a site GET also belongs to the deployment, which checks its site. */
const FAMILIES: Record<string, RegExp> = {
  Site: /\/sites(\/\{site\})?$/,
  Database: /\/database\//,
  BasicAuth: /\/security-rules/,
  LetsEncryptCert: /\/domains/,
  SiteEnvironment: /\/environment$/,
  Deployment: /\/deployments|\/sites\/\{site\}$/,
  Worker: /\/background-processes/,
};

/**
 * The resource a call belongs to: one whose route family matches and whose span (from the engine's events) contains
 * the call. Calls of resources outside this table (e.g. one added later) land on `null`.
 */
export function attributeCall(request: RecordedRequest, spans: readonly ResourceSpan[]): ResourceSpan | null {
  for (const span of spans) {
    const family = FAMILIES[span.type.replace("pulumi-nodejs:dynamic/forge:", "")];
    if (family && family.test(request.route ?? "") && request.at >= span.start - 50 && request.at <= span.end)
      return span;
  }
  return null;
}

/** Counts per resource URN, plus `""` for calls no resource claims. */
export function callsByResource(
  calls: ReadonlyArray<{ request: RecordedRequest; kind: CallKind }>,
  spans: readonly ResourceSpan[],
): Map<string, CallCounts> {
  const byUrn = new Map<string, CallCounts>();
  for (const call of calls) {
    const urn = attributeCall(call.request, spans)?.urn ?? "";
    const counts = byUrn.get(urn) ?? emptyCounts();
    counts[call.kind] += 1;
    if (call.request.status === 429) counts.rateLimited += 1;
    byUrn.set(urn, counts);
  }
  return byUrn;
}
