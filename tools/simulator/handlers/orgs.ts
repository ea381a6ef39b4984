import { iso, resource, type JsonApiResource } from "../json-api";
import { ORG, getRoute, url, type RequestContext, type RouteDefinition } from "./context";
import { listDocument } from "./list";

/** The simulator serves one organization; its creation time is fixed so responses are stable. */
const ORG_CREATED_AT = Date.UTC(2025, 0, 1);

function presentOrg(ctx: RequestContext): JsonApiResource {
  const slug = ctx.services.org;
  return resource(
    "organizations",
    1,
    { name: slug, slug, created_at: iso(ORG_CREATED_AT), updated_at: iso(ORG_CREATED_AT) },
    url(ctx, `/orgs/${slug}`),
  );
}

export const orgRoutes: RouteDefinition[] = [
  {
    method: "get",
    template: "/orgs",
    scope: "organization:view",
    handler: (ctx) => ({ status: 200, body: listDocument(ctx, [ctx.services.org], () => presentOrg(ctx)) }),
  },
  getRoute(ORG, "organization:view", (ctx) => presentOrg(ctx)),
];
