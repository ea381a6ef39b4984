import type { HostAgent, Settling } from "../agent";
import { extend, type AsyncClock } from "../async-clock";
import { document, iso, resource, type JsonApiResource } from "../json-api";
import type { Faults } from "../faults";
import type { MariaDbEffects } from "../mariadb";
import type { HttpMethod } from "../openapi-spec";
import type { QueryVocabulary } from "../query-vocabulary";
import type { Quirks } from "../quirks";
import type { SandboxFiles } from "../sandbox-files";
import type { Store } from "../store";
import type {
  BackgroundProcessRecord,
  CertificateRecord,
  CommandRecord,
  DatabaseRecord,
  DatabaseUserRecord,
  DeploymentRecord,
  DomainRecord,
  Lifecycle,
  SecurityRuleRecord,
  ServerRecord,
  SiteRecord,
} from "../types";

/** Long-lived parts of the simulator that handlers use. */
export interface Services {
  store: Store;
  clock: AsyncClock;
  faults: Faults;
  /** Real-Forge behaviours switched on for this simulator. */
  quirks: Quirks;
  /** Multiplies realistic durations and the quirks' time windows. */
  timeScale: number;
  /** The MariaDB that stands in for server `serverId`'s MySQL. */
  mariadbFor(serverId: number): MariaDbEffects;
  sandbox: SandboxFiles;
  /** Acts where Forge's agent acts on the server: the sandbox files by default, the box for real. */
  agent: HostAgent;
  settling: Settling;
  org: string;
  pageSize: number;
  maxPageSize: number;
  /** Absolute URL of the API base, e.g. `http://127.0.0.1:8787/api`. */
  apiUrl: () => string;
}

/** Records named by the path parameters, looked up before the body is validated (404 before 422, as in Laravel). */
export interface Found {
  server?: ServerRecord;
  site?: SiteRecord;
  domainRecord?: DomainRecord;
  certificate?: CertificateRecord;
  deployment?: DeploymentRecord;
  database?: DatabaseRecord;
  databaseUser?: DatabaseUserRecord;
  backgroundProcess?: BackgroundProcessRecord;
  securityRule?: SecurityRuleRecord;
  command?: CommandRecord;
}

export interface RequestContext {
  services: Services;
  method: string;
  path: string;
  template: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  now: number;
  found: Found;
  vocabulary: QueryVocabulary;
}

export interface HandlerResult {
  status: number;
  /** Omitted for Forge's empty-bodied answers (most async 202s, 204s). */
  body?: unknown;
}

export type Handler = (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

export interface RouteDefinition {
  method: HttpMethod;
  template: string;
  /** The token scope the operation needs (the spec's `x-permissions`). */
  scope: string;
  filters?: string[];
  sorts?: string[];
  includes?: string[];
  handler: Handler;
}

export const ORG = "/orgs/{organization}";
export const SERVER = `${ORG}/servers/{server}`;
export const SITE = `${SERVER}/sites/{site}`;

/** Narrows a looked-up record; a missing one here is a wiring bug, not a client error. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Route wiring error: \`${what}\` was not resolved from the path.`);
  return value;
}

export function url(ctx: RequestContext, path: string): string {
  return `${ctx.services.apiUrl()}${path}`;
}

export function sitePath(ctx: RequestContext, site: SiteRecord): string {
  return `/orgs/${ctx.services.org}/servers/${site.serverId}/sites/${site.id}`;
}

/** A GET route answering 200 with the one resource `read` finds. */
export function getRoute(
  template: string,
  scope: string,
  read: (ctx: RequestContext) => JsonApiResource,
): RouteDefinition {
  return { method: "get", template, scope, handler: (ctx) => ({ status: 200, body: document(read(ctx)) }) };
}

/** A resource that lives under a site: its self link is below the site's path, and its timestamps come last. */
export function siteResource(
  ctx: RequestContext,
  type: string,
  record: { id: number; siteId: number; createdAt: number; updatedAt: number },
  pathBelowSite: string,
  attributes: Record<string, unknown>,
): JsonApiResource {
  const site = need(
    ctx.services.store.data.sites.find((item) => item.id === record.siteId),
    `site of ${type}`,
  );
  const timestamps = { created_at: iso(record.createdAt), updated_at: iso(record.updatedAt) };
  return resource(
    type,
    record.id,
    { ...attributes, ...timestamps },
    url(ctx, `${sitePath(ctx, site)}/${pathBelowSite}`),
  );
}

/** A singleton below the request's site (its `.env`, deploy script, health check URL), identified by the site's id. */
export function siteSingleton(
  ctx: RequestContext,
  type: string,
  pathBelowSite: string,
  attributes: (site: SiteRecord) => Record<string, unknown>,
): JsonApiResource {
  const site = need(ctx.found.site, "site");
  return resource(type, site.id, attributes(site), url(ctx, `${sitePath(ctx, site)}/${pathBelowSite}`));
}

/** Forge's async delete: the record reads `removing` (with `values`) until the clock's removal delay, then is gone. */
export function beginRemoval(
  ctx: RequestContext,
  lifecycle: Lifecycle,
  values: Record<string, string | boolean> = {},
): void {
  extend(lifecycle, ctx.now, { status: "removing", ...values });
  lifecycle.goneAt = ctx.now + ctx.services.clock.duration("remove");
}

/** Marks the store changed, so the state file is rewritten after the request. */
export function touch<T extends { updatedAt: number }>(record: T, now: number): T {
  record.updatedAt = now;
  return record;
}
