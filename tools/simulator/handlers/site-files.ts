import { fieldError } from "../errors";
import { document, type JsonApiResource } from "../json-api";
import { SITE, getRoute, need, siteSingleton, touch, type RequestContext, type RouteDefinition } from "./context";

/** The two files Forge keeps per site: the `.env` (raw text, replaced whole) and the deployment script. */

function presentScript(ctx: RequestContext): JsonApiResource {
  return siteSingleton(ctx, "deploymentScripts", "deployments/script", (site) => ({
    content: site.deploymentScript,
    auto_source: site.autoSource,
  }));
}

export const siteFileRoutes: RouteDefinition[] = [
  getRoute(`${SITE}/environment`, "server:view", (ctx) =>
    siteSingleton(ctx, "environments", "environment", (site) => ({
      content: ctx.services.agent.environmentRead(site) ?? ctx.services.store.data.environments[String(site.id)] ?? "",
    })),
  ),
  {
    method: "put",
    template: `${SITE}/environment`,
    scope: "site:manage-environment",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const content = ctx.body.environment;
      if (typeof content !== "string")
        throw fieldError("environment", "The environment field is required and must hold the whole .env file as text.");
      ctx.services.store.data.environments[String(site.id)] = content;
      ctx.services.agent.environmentWritten(site, content);
      touch(site, ctx.now);
      return { status: 202 };
    },
  },
  getRoute(`${SITE}/deployments/script`, "server:view", presentScript),
  {
    method: "put",
    template: `${SITE}/deployments/script`,
    scope: "site:manage-deploys",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const content = ctx.body.content;
      if (typeof content !== "string" || content === "") throw fieldError("content", "The content field is required.");
      site.deploymentScript = content;
      if (typeof ctx.body.auto_source === "boolean") site.autoSource = ctx.body.auto_source;
      ctx.services.agent.deploymentScriptWritten(site, content);
      touch(site, ctx.now);
      return { status: 200, body: document(presentScript(ctx)) };
    },
  },
];
