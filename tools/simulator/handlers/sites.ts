import * as crypto from "crypto";
import { removeWith, settleWith } from "../agent";
import { extend, initialValues, timeline, valuesAt } from "../async-clock";
import { defaultDeployScript } from "../deploy-script";
import { HttpError, fieldError } from "../errors";
import { iso, resource, document, type JsonApiResource } from "../json-api";
import type { DomainRecord, SiteRecord } from "../types";
import { ORG, SERVER, SITE, getRoute, need, touch, url, type RequestContext, type RouteDefinition } from "./context";
import { presentDeployment, latestDeployment } from "./deployments";
import { listDocument, partial, type ListRules } from "./list";
import { presentSecurityRule } from "./security-rules";
import { presentServer } from "./servers";
import { phpVersionAs } from "../quirks";
import {
  SITE_TYPES,
  booleanField,
  defaultEnvironment,
  existingDatabaseName,
  siteNameFrom,
  stringField,
} from "./site-rules";
import { includedTags, tagRelationship } from "./site-tags";

const SUPPORTED_INCLUDES = ["server", "tags", "latestDeployment", "securityRules", "redirectRules"];

function isHttps(ctx: RequestContext, site: SiteRecord): boolean {
  return ctx.services.store.data.certificates.some((certificate) => {
    const values = valuesAt(certificate.lifecycle, ctx.now);
    return certificate.siteId === site.id && values.status === "installed" && values.active === true;
  });
}

/**
 * The site's `status`. With the `siteStatusAfterFailedDeployment` quirk an installed site reports its latest
 * deployment instead: `deploying` while one runs, `deployed` after one finished, the quirk's value after a failure.
 */
function siteStatus(ctx: RequestContext, site: SiteRecord, installStatus: string | boolean | undefined): unknown {
  const afterFailure = ctx.services.quirks.siteStatusAfterFailedDeployment;
  const latest = latestDeployment(ctx, site);
  if (afterFailure === null || installStatus !== "installed" || latest === undefined) return installStatus;
  const status = valuesAt(latest.lifecycle, ctx.now).status;
  if (status === "finished") return "deployed";
  return status === "failed" ? afterFailure : "deploying";
}

/** The tag names Forge lists for the site now: all of them, or as the `tagsApplied` quirk holds them back. */
function visibleTags(ctx: RequestContext, site: SiteRecord): string[] {
  const { tagsApplied } = ctx.services.quirks;
  if (tagsApplied === "never") return [];
  if (tagsApplied === "late" && valuesAt(site.lifecycle, ctx.now).status !== "installed") return [];
  return site.tags;
}

function deploymentStatus(ctx: RequestContext, site: SiteRecord): string {
  const latest = latestDeployment(ctx, site);
  if (latest === undefined) return "never-deployed";
  const status = valuesAt(latest.lifecycle, ctx.now).status;
  return status === "finished" ? "deployed" : String(status);
}

function includesOf(ctx: RequestContext): string[] {
  const names = (ctx.query.include ?? "").split(",").filter((name) => name !== "");
  const unsupported = names.filter((name) => !SUPPORTED_INCLUDES.includes(name));
  if (unsupported.length > 0)
    throw new HttpError(501, `The Forge simulator does not implement include(s) \`${unsupported.join(", ")}\`.`);
  return names;
}

function relationshipsOf(
  ctx: RequestContext,
  site: SiteRecord,
  includes: string[],
): Record<string, unknown> | undefined {
  if (includes.length === 0) return undefined;
  const relationships: Record<string, unknown> = {};
  for (const name of includes) {
    if (name === "server") relationships.server = { data: { type: "servers", id: String(site.serverId) } };
    if (name === "tags") relationships.tags = tagRelationship(visibleTags(ctx, site));
    if (name === "redirectRules") relationships.redirectRules = { data: [] };
    if (name === "latestDeployment") {
      const latest = latestDeployment(ctx, site);
      relationships.latestDeployment = {
        data: latest === undefined ? null : { type: "deployments", id: String(latest.id) },
      };
    }
    if (name === "securityRules") {
      const rules = ctx.services.store.data.securityRules.filter((rule) => rule.siteId === site.id);
      relationships.securityRules = { data: rules.map((rule) => ({ type: "securityRules", id: String(rule.id) })) };
    }
  }
  return relationships;
}

function includedFor(ctx: RequestContext, sites: SiteRecord[], includes: string[]): JsonApiResource[] | undefined {
  if (includes.length === 0) return undefined;
  const included: JsonApiResource[] = [];
  const { data } = ctx.services.store;
  if (includes.includes("server")) {
    for (const server of data.servers.filter((item) => sites.some((site) => site.serverId === item.id)))
      included.push(presentServer(ctx, server));
  }
  if (includes.includes("tags")) included.push(...includedTags(sites, (site) => visibleTags(ctx, site)));
  for (const site of sites) {
    const latest = includes.includes("latestDeployment") ? latestDeployment(ctx, site) : undefined;
    if (latest !== undefined) included.push(presentDeployment(ctx, latest));
    if (includes.includes("securityRules")) {
      for (const rule of data.securityRules.filter((item) => item.siteId === site.id))
        included.push(presentSecurityRule(ctx, rule));
    }
  }
  return included;
}

export function presentSite(
  ctx: RequestContext,
  site: SiteRecord,
  initial = false,
  includes: string[] = [],
): JsonApiResource {
  const values = initial ? initialValues(site.lifecycle) : valuesAt(site.lifecycle, ctx.now);
  const https = isHttps(ctx, site);
  const database = ctx.services.store.data.databases.find((item) => item.id === site.databaseId);
  return resource(
    "sites",
    site.id,
    {
      name: site.name,
      status: siteStatus(ctx, site, values.status),
      url: `${https ? "https" : "http"}://${site.name}`,
      user: site.user,
      https,
      web_directory: site.webDirectory,
      root_directory: site.rootDirectory,
      aliases: [],
      php_version: phpVersionAs(site.phpVersion, ctx.services.quirks.phpVersionForm),
      deployment_status: deploymentStatus(ctx, site),
      quick_deploy: ctx.services.quirks.quickDeployNullUntilWebhook ? null : site.pushToDeploy,
      isolated: site.isolated,
      shared_paths: site.sharedPaths,
      repository: {
        provider: site.repository?.provider ?? "",
        url: site.repository?.url ?? null,
        branch: site.repository?.branch ?? null,
        status: site.repository === null ? null : (values.repository_status ?? null),
      },
      database: database?.name ?? null,
      maintenance_mode: { enabled: false, status: null },
      zero_downtime_deployments: site.zeroDowntime,
      deployment_script: site.deploymentScript,
      wildcards: site.wildcards,
      app_type: SITE_TYPES[site.type] ?? "Custom",
      uses_envoyer: false,
      deployment_url: `${ctx.services.apiUrl()}/deploy/${site.id}?token=${site.deployHookToken}`,
      healthcheck_url: site.healthcheckUrl,
      created_at: iso(site.createdAt),
      updated_at: iso(site.updatedAt),
    },
    url(ctx, `/orgs/${ctx.services.org}/sites/${site.id}`),
    relationshipsOf(ctx, site, includes),
  );
}

const SITE_LIST_RULES: ListRules<SiteRecord> = {
  filters: { name: (site, value) => partial(site.name, value) },
  sorts: { name: (site) => site.name, created_at: (site) => site.createdAt, updated_at: (site) => site.updatedAt },
};

function listSites(ctx: RequestContext, sites: SiteRecord[]): Record<string, unknown> {
  const includes = includesOf(ctx);
  return listDocument(
    ctx,
    sites,
    (site) => presentSite(ctx, site, false, includes),
    SITE_LIST_RULES,
    (page) => includedFor(ctx, page, includes),
  );
}

function createSite(ctx: RequestContext): { status: number; body: unknown } {
  const server = need(ctx.found.server, "server");
  const { body, now, services } = ctx;
  const name = siteNameFrom(ctx, server.id);
  const databaseName = existingDatabaseName(ctx, server.id);
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const repository = stringField(body, "repository");
  const branch = stringField(body, "branch");
  const zeroDowntime = booleanField(body, "zero_downtime_deployments", true);
  const isolated = booleanField(body, "is_isolated", false);
  const user = isolated ? isolatedUserFor(ctx, server.id, name) : "forge";
  const install = services.clock.duration("siteInstall");
  const id = services.store.nextId();
  const site: SiteRecord = {
    id,
    serverId: server.id,
    name,
    type: String(body.type),
    phpVersion: stringField(body, "php_version") ?? server.phpVersion,
    isolated,
    user,
    webDirectory: stringField(body, "web_directory") ?? "/public",
    rootDirectory: stringField(body, "root_directory") ?? "/",
    zeroDowntime,
    pushToDeploy: booleanField(body, "push_to_deploy", false),
    repository:
      repository === null
        ? null
        : { provider: stringField(body, "source_control_provider") ?? "github", url: repository, branch },
    databaseId: typeof body.database_id === "number" ? body.database_id : null,
    wildcards: booleanField(body, "allow_wildcard_subdomains", false),
    wwwRedirectType: stringField(body, "www_redirect_type") ?? "from-www",
    tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
    sharedPaths: Object.fromEntries(
      (Array.isArray(body.shared_paths) ? body.shared_paths : []).map((entry: { from?: unknown; to?: unknown }) => [
        String(entry.from),
        String(entry.to),
      ]),
    ),
    healthcheckUrl: null,
    deployHookToken: crypto.randomBytes(16).toString("hex"),
    deploymentScript: defaultDeployScript(name, branch, zeroDowntime),
    autoSource: true,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "installing", repository_status: "installing" }, [
      install,
      failed ? { status: "failed" } : { status: "installed", repository_status: "installed" },
    ]),
  };
  const domain: DomainRecord = {
    id: services.store.nextId(),
    siteId: id,
    name,
    type: "primary",
    wwwRedirectType: site.wwwRedirectType,
    allowWildcardSubdomains: site.wildcards,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "connecting" }, [install, { status: failed ? "disabled" : "enabled" }]),
  };
  services.store.data.sites.push(site);
  services.store.data.domains.push(domain);
  const environment = defaultEnvironment(name, databaseName);
  services.store.data.environments[String(id)] = environment;
  const work = failed ? null : services.agent.siteCreated(site, environment);
  if (work !== null) {
    const installed = { status: "installed", repository_status: "installed" };
    settleWith(services.settling, site.lifecycle, work, () => installed, { status: "failed" });
  }
  return { status: 202, body: document(presentSite(ctx, site, true)) };
}

/**
 * The Linux user of a new isolated site: `isolated_user`, else one made from the name. With the
 * `isolatedUserOutlivesSite` quirk, a user that exists on the server (a live site's, or one a deleted site left) is
 * refused the way Laravel refuses a taken value.
 */
function isolatedUserFor(ctx: RequestContext, serverId: number, name: string): string {
  const user =
    stringField(ctx.body, "isolated_user") ??
    name
      .split(".")[0]
      .replace(/[^a-z0-9_-]/g, "")
      .slice(0, 32);
  if (!ctx.services.quirks.isolatedUserOutlivesSite) return user;
  const { data } = ctx.services.store;
  const taken =
    data.leftoverUsers.some((item) => item.serverId === serverId && item.name === user) ||
    data.sites.some((site) => site.serverId === serverId && site.isolated && site.user === user);
  if (taken) throw fieldError("isolated_user", "The isolated user has already been taken.");
  return user;
}

function updateSite(ctx: RequestContext): { status: number } {
  const site = need(ctx.found.site, "site");
  const { body } = ctx;
  if (typeof body.type === "string") {
    if (!(body.type in SITE_TYPES))
      throw new HttpError(422, "The selected type is invalid.", { type: ["The selected type is invalid."] });
    site.type = body.type;
  }
  if (typeof body.root_path === "string") site.rootDirectory = body.root_path;
  if (typeof body.directory === "string") site.webDirectory = body.directory;
  if (typeof body.php_version === "string") site.phpVersion = body.php_version;
  if (typeof body.push_to_deploy === "boolean") site.pushToDeploy = body.push_to_deploy;
  if (typeof body.repository_branch === "string" && site.repository !== null)
    site.repository.branch = body.repository_branch;
  touch(site, ctx.now);
  return { status: 202 };
}

function deleteSite(ctx: RequestContext): { status: number } {
  const site = need(ctx.found.site, "site");
  const { services, now } = ctx;
  if (site.lifecycle.goneAt !== null) return { status: 202 };
  const removal = services.clock.duration("siteRemove");
  extend(site.lifecycle, now, { status: "removing" });
  site.lifecycle.goneAt = now + removal;
  const { data } = services.store;
  // Everything that hangs off the site goes with it; databases and background processes are server-level and stay.
  for (const list of [data.domains, data.certificates, data.deployments, data.commands, data.securityRules]) {
    for (const item of list)
      if (item.siteId === site.id && item.lifecycle.goneAt === null) item.lifecycle.goneAt = now + removal;
  }
  const work = services.agent.siteDeleted(site);
  if (work !== null) removeWith(services.settling, site.lifecycle, work);
  // Forge removes the site's files and nginx config; with this quirk its Linux user stays on the server.
  if (services.quirks.isolatedUserOutlivesSite && site.isolated) {
    data.leftoverUsers.push({ serverId: site.serverId, name: site.user });
  }
  return { status: 202 };
}

export const siteRoutes: RouteDefinition[] = [
  {
    method: "get",
    template: `${ORG}/sites`,
    scope: "server:view",
    filters: ["name"],
    includes: SUPPORTED_INCLUDES,
    handler: (ctx) => ({ status: 200, body: listSites(ctx, ctx.services.store.data.sites) }),
  },
  getRoute(`${ORG}/sites/{site}`, "server:view", (ctx) => presentSite(ctx, need(ctx.found.site, "site"))),
  {
    method: "get",
    template: `${SERVER}/sites`,
    scope: "server:view",
    filters: ["name"],
    sorts: ["name", "created_at", "updated_at"],
    includes: SUPPORTED_INCLUDES,
    handler: (ctx) => {
      const server = need(ctx.found.server, "server");
      return {
        status: 200,
        body: listSites(
          ctx,
          ctx.services.store.data.sites.filter((site) => site.serverId === server.id),
        ),
      };
    },
  },
  { method: "post", template: `${SERVER}/sites`, scope: "site:create", handler: createSite },
  { method: "put", template: SITE, scope: "site:create", handler: updateSite },
  { method: "delete", template: SITE, scope: "site:delete", handler: deleteSite },
];
