import { fieldError } from "../errors";
import { SITE, getRoute, need, siteSingleton, touch, type RouteDefinition } from "./context";

/**
 * The spec's only per-site health operation: the URL Forge pings to decide whether the site is
 * healthy (`healthcheck_endpoint`). It reports no live health status.
 */
export const healthcheckRoutes: RouteDefinition[] = [
  getRoute(`${SITE}/healthcheck`, "site:manage-project", (ctx) =>
    siteSingleton(ctx, "healthcheckEndpoints", "healthcheck", (site) => ({
      healthcheck_endpoint: site.healthcheckUrl,
    })),
  ),
  {
    method: "put",
    template: `${SITE}/healthcheck`,
    scope: "site:manage-project",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const value = ctx.body.healthcheck_endpoint;
      if (value !== undefined && value !== null && (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value))) {
        throw fieldError("healthcheck_endpoint", "The healthcheck endpoint field must be a valid URL.");
      }
      site.healthcheckUrl = typeof value === "string" ? value : null;
      touch(site, ctx.now);
      return { status: 204 };
    },
  },
];
