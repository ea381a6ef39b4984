import { notFound } from "../errors";
import type { SiteRecord } from "../types";
import type { Found, RequestContext } from "./context";

function id(raw: string | undefined, what: string): number | null {
  if (raw === undefined) return null;
  // Laravel's route-model binding answers 404 for an id that is not a number, never 422.
  if (!/^\d+$/.test(raw)) throw notFound(what);
  return Number(raw);
}

function pick<T extends { id: number }>(
  list: T[],
  wanted: number | null,
  what: string,
  belongs: (item: T) => boolean,
): T | undefined {
  if (wanted === null) return undefined;
  const found = list.find((item) => item.id === wanted && belongs(item));
  if (found === undefined) throw notFound(`${what} ${wanted}`);
  return found;
}

/**
 * The `siteNotFoundAfterCreateMs` quirk: `GET`/`PUT` of the site itself answers 404 for a while after its create, while
 * it provisions; a site already being removed answers as usual, so a 404 after a delete still means it is gone.
 */
function notYetVisible(ctx: RequestContext, site: SiteRecord): boolean {
  const { siteNotFoundAfterCreateMs } = ctx.services.quirks;
  if (siteNotFoundAfterCreateMs === 0 || !(ctx.method === "GET" || ctx.method === "PUT")) return false;
  if (!ctx.template.endsWith("/sites/{site}") || site.lifecycle.goneAt !== null) return false;
  return ctx.now < site.createdAt + siteNotFoundAfterCreateMs * ctx.services.timeScale;
}

/** Resolves every path parameter to its record, so each handler starts from existing objects. */
export function resolveParams(ctx: RequestContext): Found {
  const { params } = ctx;
  const data = ctx.services.store.data;
  if (params.organization !== undefined && params.organization !== ctx.services.org) {
    throw notFound(`organization ${params.organization}`);
  }
  const found: Found = {};
  found.server = pick(data.servers, id(params.server, "server"), "server", () => true);
  const server = found.server;
  found.site = pick(
    data.sites,
    id(params.site, "site"),
    "site",
    (site) => server === undefined || site.serverId === server.id,
  );
  const site = found.site;
  if (site !== undefined && notYetVisible(ctx, site)) throw notFound(`site ${site.id}`);
  const onSite = (item: { siteId: number | null }): boolean => site !== undefined && item.siteId === site.id;
  const onServer = (item: { serverId: number }): boolean => server !== undefined && item.serverId === server.id;
  found.domainRecord = pick(data.domains, id(params.domainRecord, "domain record"), "domain record", onSite);
  const domain = found.domainRecord;
  found.certificate = pick(
    data.certificates,
    id(params.certificate, "certificate"),
    "certificate",
    (item) => domain !== undefined && item.domainId === domain.id,
  );
  found.deployment = pick(data.deployments, id(params.deployment, "deployment"), "deployment", onSite);
  found.securityRule = pick(data.securityRules, id(params.securityRule, "security rule"), "security rule", onSite);
  found.command = pick(data.commands, id(params.command, "command"), "command", onSite);
  found.database = pick(data.databases, id(params.database, "database"), "database", onServer);
  found.databaseUser = pick(data.databaseUsers, id(params.databaseUser, "database user"), "database user", onServer);
  found.backgroundProcess = pick(
    data.backgroundProcesses,
    id(params.backgroundProcess, "background process"),
    "background process",
    onServer,
  );
  return found;
}
