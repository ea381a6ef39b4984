import { valuesAt } from "../async-clock";
import type { JsonApiResource } from "../json-api";
import type { DomainRecord } from "../types";
import { SITE, getRoute, siteResource, need, type RequestContext, type RouteDefinition } from "./context";
import { listRoute } from "./list";

export function presentDomain(ctx: RequestContext, domain: DomainRecord): JsonApiResource {
  return siteResource(ctx, "domainRecords", domain, `domains/${domain.id}`, {
    name: domain.name,
    type: domain.type,
    status: valuesAt(domain.lifecycle, ctx.now).status,
    www_redirect_type: domain.wwwRedirectType,
    allow_wildcard_subdomains: domain.allowWildcardSubdomains,
  });
}

export const domainRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SITE}/domains`,
    scope: "site:meta",
    items: (ctx) =>
      ctx.services.store.data.domains.filter((domain) => domain.siteId === need(ctx.found.site, "site").id),
    present: presentDomain,
    filters: {
      status: (domain, value, ctx) => valuesAt(domain.lifecycle, ctx.now).status === value,
      type: (domain, value) => domain.type === value,
    },
    sorts: { name: (domain) => domain.name, created_at: (domain) => domain.createdAt },
  }),
  getRoute(`${SITE}/domains/{domainRecord}`, "site:meta", (ctx) =>
    presentDomain(ctx, need(ctx.found.domainRecord, "domainRecord")),
  ),
];
