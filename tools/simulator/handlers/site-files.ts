import { fieldError } from "../errors";
import { resource, document } from "../json-api";
import { SITE, need, sitePath, touch, url, type RequestContext, type RouteDefinition } from "./context";

/** The two files Forge keeps per site: the `.env` (raw text, replaced whole) and the deployment script. */

function presentScript(ctx: RequestContext): Record<string, unknown> {
  const site = need(ctx.found.site, "site");
  return document(
    resource("deploymentScripts", site.id, { content: site.deploymentScript, auto_source: site.autoSource }, url(ctx, `${sitePath(ctx, site)}/deployments/script`)),
  );
}

export const siteFileRoutes: RouteDefinition[] = [
  {
    method: "get",
    template: `${SITE}/environment`,
    scope: "server:view",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const content = ctx.services.store.data.environments[String(site.id)] ?? "";
      return { status: 200, body: document(resource("environments", site.id, { content }, url(ctx, `${sitePath(ctx, site)}/environment`))) };
    },
  },
  {
    method: "put",
    template: `${SITE}/environment`,
    scope: "site:manage-environment",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const content = ctx.body.environment;
      if (typeof content !== "string") throw fieldError("environment", "The environment field is required and must hold the whole .env file as text.");
      ctx.services.store.data.environments[String(site.id)] = content;
      ctx.services.sandbox.writeEnv(site.serverId, site.name, content);
      touch(site, ctx.now);
      return { status: 202 };
    },
  },
  { method: "get", template: `${SITE}/deployments/script`, scope: "server:view", handler: (ctx) => ({ status: 200, body: presentScript(ctx) }) },
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
      ctx.services.sandbox.writeDeployScript(site.serverId, site.name, content);
      touch(site, ctx.now);
      return { status: 200, body: presentScript(ctx) };
    },
  },
];
