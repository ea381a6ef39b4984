import { ForgeConfigError } from "./errors";
import type { DecodedResource } from "./json-api";
import { FORGE_OPERATIONS, type ForgeOperationId, type OperationPathParams } from "./operations";
import type { Paginated } from "./paginate";

export type QueryValue = string | number | boolean | undefined;

/** One call to a Forge operation; the method and path template come from `FORGE_OPERATIONS`. */
export interface ForgeRequest<Op extends ForgeOperationId = ForgeOperationId> {
  operation: Op;
  /** The ids the path needs, e.g. `{ server: 1, site: 2 }`. */
  params: OperationPathParams<Op>;
  /** Overrides the client's org slug (used by `organizations.get(slug)`). */
  org?: string;
  query?: Record<string, QueryValue>;
  body?: object;
  /** Values from the body that must never appear in an error or a log (passwords, keys, `.env` values). */
  secrets?: readonly string[];
}

/** What the per-area files need from the client. */
export interface ForgeTransport {
  /** Sends one request (rate-limited, retried) and returns the parsed body, or `null` for an empty one. */
  send<Op extends ForgeOperationId>(request: ForgeRequest<Op>): Promise<unknown>;
  /** Sends one request whose answer is a single resource of `expectedType`, mapped by `map`. */
  sendFor<Op extends ForgeOperationId, T>(
    request: ForgeRequest<Op>,
    expectedType: string,
    map: (resource: DecodedResource) => T,
  ): Promise<T>;
  /** A cursor-paginated list of the operation's resources, each mapped by `map`. */
  list<Op extends ForgeOperationId, T>(
    /** `pageSize: null` for the few lists Forge does not paginate (no `page[...]` parameters are sent). */
    request: ForgeRequest<Op> & { pageSize?: number | null },
    expectedType: string,
    map: (resource: DecodedResource) => T,
  ): Paginated<T>;
}

/**
 * Fills a path template. Ids must be positive integers: an `undefined` or `NaN` id reaching a URL would
 * silently address the wrong thing (`/sites/undefined`), so it fails here, naming the parameter.
 */
export function buildPath(operation: ForgeOperationId, params: Record<string, number>, org: string | null): string {
  const template = FORGE_OPERATIONS[operation].path;
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (name === "organization") {
      if (org === null || org === "") {
        throw new ForgeConfigError(
          "The Forge client has no org: pass `org` (the organization slug, see `organizations.list()`) or set FORGE_ORG",
        );
      }
      return encodeURIComponent(org);
    }
    const value = params[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      throw new ForgeConfigError(`\`${name}\` must be a positive integer id for ${operation}, got ${String(value)}`);
    }
    return String(value);
  });
}

/** `?a=1&page[size]=30`: brackets stay readable, everything else is percent-encoded; `undefined` is left out. */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(`${encodeQueryPart(key)}=${encodeQueryPart(String(value))}`);
  }
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

function encodeQueryPart(text: string): string {
  return encodeURIComponent(text).replace(/%5B/g, "[").replace(/%5D/g, "]");
}
