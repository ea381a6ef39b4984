import { valuesAt } from "../async-clock";
import type { JsonApiResource } from "../json-api";
import type { DomainRecord } from "../types";
import { SITE, getRoute, siteResource, need, type RequestContext, type RouteDefinition } from "./context";
import { listRoute } from "./list";

/**
 * The domain's status now. With the `customDomainPending` quirk a primary domain that has finished connecting reads
 * `pending` (DNS not verified yet) for as long again as its site took to install.
 */
export function domainStatus(ctx: RequestContext, domain: DomainRecord): string | boolean | undefined {
  const status = valuesAt(domain.lifecycle, ctx.now).status;
  if (!ctx.services.quirks.customDomainPending || domain.type !== "primary" || status !== "enabled") return status;
  const site = ctx.services.store.data.sites.find((candidate) => candidate.id === domain.siteId);
  const installedAt = site?.lifecycle.steps.find((step) => step.values.status === "installed")?.at;
  if (site === undefined || installedAt === undefined) return status;
  return ctx.now < installedAt + (installedAt - site.createdAt) ? "pending" : status;
}

export function presentDomain(ctx: RequestContext, domain: DomainRecord): JsonApiResource {
  return siteResource(ctx, "domainRecords", domain, `domains/${domain.id}`, {
    name: domain.name,
    type: domain.type,
    status: domainStatus(ctx, domain),
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
      status: (domain, value, ctx) => domainStatus(ctx, domain) === value,
      type: (domain, value) => domain.type === value,
    },
    sorts: { name: (domain) => domain.name, created_at: (domain) => domain.createdAt },
  }),
  getRoute(`${SITE}/domains/{domainRecord}`, "site:meta", (ctx) =>
    presentDomain(ctx, need(ctx.found.domainRecord, "domainRecord")),
  ),
];
