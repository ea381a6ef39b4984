import { settleWith } from "../agent";
import { checkSyntax } from "../deploy-script";
import { initialValues, timeline, valuesAt } from "../async-clock";
import { iso, resource, document, type JsonApiResource } from "../json-api";
import type { DeploymentRecord, Lifecycle, SiteRecord } from "../types";
import {
  SITE,
  getRoute,
  siteResource,
  siteSingleton,
  need,
  sitePath,
  touch,
  url,
  type RequestContext,
  type RouteDefinition,
} from "./context";
import { listRoute } from "./list";

const IN_PROGRESS = ["queued", "pending", "deploying"];

export function latestDeployment(ctx: RequestContext, site: SiteRecord): DeploymentRecord | undefined {
  const deployments = ctx.services.store.data.deployments.filter((deployment) => deployment.siteId === site.id);
  return deployments[deployments.length - 1];
}

/** When each status began: the time of the first step that set it. */
function statusTimes(lifecycle: Lifecycle, now: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const step of lifecycle.steps) {
    const status = step.values.status;
    if (step.at <= now && typeof status === "string" && !times.has(status)) times.set(status, step.at);
  }
  return times;
}

export function presentDeployment(ctx: RequestContext, deployment: DeploymentRecord, initial = false): JsonApiResource {
  const now = initial ? deployment.createdAt : ctx.now;
  const status = String((initial ? initialValues(deployment.lifecycle) : valuesAt(deployment.lifecycle, now)).status);
  const times = initial ? new Map([["queued", deployment.createdAt]]) : statusTimes(deployment.lifecycle, now);
  // The spec requires both timestamps as strings even before they happen: until the deployment
  // starts `started_at` is its creation time, and until it ends `ended_at` is its latest status change.
  const startedAt = times.get("deploying") ?? deployment.createdAt;
  const endedAt = Math.max(...times.values());
  const stamped = { ...deployment, updatedAt: Math.max(deployment.updatedAt, endedAt) };
  return siteResource(ctx, "deployments", stamped, `deployments/${deployment.id}`, {
    commit: { hash: null, author: null, message: null, branch: deployment.branch },
    type: "manual",
    status,
    started_at: iso(startedAt),
    ended_at: iso(endedAt),
  });
}

async function createDeployment(ctx: RequestContext): Promise<{ status: number; body: unknown }> {
  const site = need(ctx.found.site, "site");
  const { services } = ctx;
  const injected = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const check = await checkSyntax(site.deploymentScript);
  const failed = injected || !check.ok;
  // The queue starts once the script has been checked, so the syntax check never eats the queued time.
  const now = services.clock.now();
  const started = new Date(now).toUTCString();
  const log = [
    `${started}: deploying ${site.name} (branch ${site.repository?.branch ?? "none"})`,
    "$ bash -n deploy.sh",
    ...(check.output === "" ? [] : [check.output]),
    check.ok
      ? "Syntax check passed. The Forge simulator checks deployment scripts but does not execute them."
      : "The deployment script has a syntax error.",
    ...(injected ? ["Deployment failed: the script exited with status 1 (fault injected by the simulator)."] : []),
    failed ? "Deployment failed." : "Deployment finished.",
  ].join("\n");
  const deployment: DeploymentRecord = {
    id: services.store.nextId(),
    siteId: site.id,
    branch: site.repository?.branch ?? null,
    log,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(
      now,
      { status: "queued" },
      [services.clock.duration("deploymentQueue"), { status: "deploying" }],
      [services.clock.duration("deployment"), { status: failed ? "failed" : "finished" }],
    ),
  };
  services.store.data.deployments.push(deployment);
  const run = failed ? null : services.agent.deploymentRun(site, deployment);
  if (run !== null) {
    // The host runs the script: the deployment is `deploying` until it exits, and its output is the log.
    deployment.lifecycle = timeline(now, { status: "queued" }, [0, { status: "deploying" }]);
    deployment.log = `${started}: deploying ${site.name} (branch ${site.repository?.branch ?? "none"})`;
    const done = (outcome: { ok: boolean; log: string }) => {
      deployment.log = `${deployment.log}\n${outcome.log}\n${outcome.ok ? "Deployment finished." : "Deployment failed."}`;
      return { status: outcome.ok ? "finished" : "failed" };
    };
    settleWith(services.settling, deployment.lifecycle, run, done, { status: "failed" }, 2);
  }
  return { status: 202, body: document(presentDeployment(ctx, deployment, true)) };
}

function deploymentLog(ctx: RequestContext, deployment: DeploymentRecord): string {
  const status = String(valuesAt(deployment.lifecycle, ctx.now).status);
  if (status === "queued") return "";
  // While the deployment runs only its first line has been written.
  return IN_PROGRESS.includes(status) ? deployment.log.split("\n")[0] : deployment.log;
}

function setPushToDeploy(enabled: boolean) {
  return (ctx: RequestContext) => {
    const site = need(ctx.found.site, "site");
    site.pushToDeploy = enabled;
    touch(site, ctx.now);
    return { status: 202 };
  };
}

export const deploymentRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SITE}/deployments`,
    scope: "server:view",
    items: (ctx) =>
      ctx.services.store.data.deployments.filter((item) => item.siteId === need(ctx.found.site, "site").id),
    present: presentDeployment,
    // Simulated deployments carry no commit data, so commit filters match nothing.
    filters: { commit_hash: () => false, commit_message: () => false, commit_author: () => false },
    sorts: { created_at: (deployment) => deployment.id },
  }),
  { method: "post", template: `${SITE}/deployments`, scope: "site:manage-deploys", handler: createDeployment },
  getRoute(`${SITE}/deployments/{deployment}`, "server:view", (ctx) =>
    presentDeployment(ctx, need(ctx.found.deployment, "deployment")),
  ),
  {
    method: "get",
    template: `${SITE}/deployments/{deployment}/log`,
    scope: "site:manage-deploys",
    handler: (ctx) => {
      const deployment = need(ctx.found.deployment, "deployment");
      const site = need(ctx.found.site, "site");
      const output = deploymentLog(ctx, deployment);
      return {
        status: 200,
        body: document(
          resource(
            "deploymentOutputs",
            deployment.id,
            { output },
            url(ctx, `${sitePath(ctx, site)}/deployments/${deployment.id}/log`),
          ),
        ),
      };
    },
  },
  {
    method: "get",
    template: `${SITE}/deployments/status`,
    scope: "server:view",
    handler: (ctx) => {
      const site = need(ctx.found.site, "site");
      const latest = latestDeployment(ctx, site);
      const status = latest === undefined ? null : String(valuesAt(latest.lifecycle, ctx.now).status);
      const running = status !== null && IN_PROGRESS.includes(status);
      const startedAt =
        latest === undefined
          ? site.createdAt
          : (statusTimes(latest.lifecycle, ctx.now).get("deploying") ?? latest.createdAt);
      const attributes = { status: running ? status : null, started_at: iso(startedAt) };
      return {
        status: 200,
        body: document(siteSingleton(ctx, "deploymentStatuses", "deployments/status", () => attributes)),
      };
    },
  },
  {
    method: "post",
    template: `${SITE}/deployments/push-to-deploy`,
    scope: "site:manage-deploys",
    handler: setPushToDeploy(true),
  },
  {
    method: "delete",
    template: `${SITE}/deployments/push-to-deploy`,
    scope: "site:manage-deploys",
    handler: setPushToDeploy(false),
  },
];
