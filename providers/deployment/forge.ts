import * as pulumi from "@pulumi/pulumi";
import { NEXT_UP, RUN_UP_AGAIN } from "../common/cli-hints";
import {
  createOrFindAfterLostAnswer,
  type Deployment,
  type ForgeClient,
  ForgeNotFoundError,
  ForgeWaitTimeoutError,
  waitDone,
  waitFor,
  waitPending,
} from "../forge";
import { pollPacing } from "../runtime";
import type { DeploymentInputs } from "./rules";
import { redactedLogTail, redactSecrets } from "../common/redact";
import { FINISHED } from "./rules";
import { UserError } from "../common/user-error";

/** The Forge steps of a deployment: site checks, the script, the deployment itself and its wait. */

/** Forge kills a deployment after 10 minutes; one more minute covers queueing and polling slack. */
export const DEPLOY_TIMEOUT_MS = 11 * 60_000;

const IN_PROGRESS = new Set(["queued", "pending", "deploying"]);

/** Every secret an error or log line must not show. */
export function secretsOf(inputs: Pick<DeploymentInputs, "redactions">): string[] {
  return inputs.redactions.filter((secret) => secret !== "");
}

/**
 * Refuses a site the script would be wrong for. The script works in `siteDirectory` with zero-downtime deployments
 * off; pointed at another site's directory it would reset that site's checkout and migrate its database.
 */
export async function assertDeployableSite(client: ForgeClient, inputs: DeploymentInputs): Promise<void> {
  let site;
  try {
    site = await client.sites.get(inputs.siteId);
  } catch (error) {
    if (error instanceof ForgeNotFoundError) {
      throw new UserError(`Site ${inputs.siteId} does not exist on Forge; create the site before deploying to it.`);
    }
    throw error;
  }
  if (site.serverId !== null && site.serverId !== inputs.serverId) {
    throw new UserError(
      `Site ${inputs.siteId} (${site.name}) is on server ${site.serverId}, not \`serverId\` ${inputs.serverId}.`,
    );
  }
  if (site.zeroDowntimeDeployments) {
    throw new UserError(
      `Site ${inputs.siteId} (${site.name}) uses zero-downtime deployments, which this deployment script does not support; ` +
        "create preview sites with `zeroDowntimeDeployments: false`.",
    );
  }
  const expected = site.user === null ? null : `/home/${site.user}/${site.name}`;
  if (expected !== null && inputs.siteDirectory !== expected) {
    throw new UserError(
      `\`siteDirectory\` is ${inputs.siteDirectory}, but site ${inputs.siteId} (${site.name}) lives in ${expected}; ` +
        "pass the site's own directory.",
    );
  }
}

/** Sets the site's deployment script when Forge holds anything else; returns whether it wrote. */
export async function ensureDeploymentScript(
  client: ForgeClient,
  inputs: DeploymentInputs,
  script: string,
): Promise<boolean> {
  const current = await client.deployments.getScript(inputs.serverId, inputs.siteId);
  // Forge may store the script with CRLF line ends; that is not a difference worth a write.
  if ((current.content ?? "").replace(/\r\n/g, "\n") === script) return false;
  await client.deployments.updateScript(inputs.serverId, inputs.siteId, { content: script });
  return true;
}

export interface DeploymentRun {
  deploymentId: number;
  /** The last status seen: `finished`, a failure status, or an in-progress one when the wait timed out. */
  status: string;
  deployedAt: string | null;
  /** Set when the deployment did not finish; its message is redacted and carries the log tail. */
  error: Error | null;
}

/** The site's newest deployment, or `undefined` when it has none. */
function newestDeployment(client: ForgeClient, serverId: number, siteId: number): Promise<Deployment | undefined> {
  return client.deployments.list(serverId, siteId, { sort: "-created_at", pageSize: 1 }).find(() => true);
}

/**
 * Starts a deployment. When Forge's answer is lost or empty (a 202 without the deployment), the deployment is the
 * site's newest one, provided it is not the one that was newest before the request: Forge numbers deployments in
 * order, and only this resource deploys a preview (push-to-deploy is off).
 */
async function startDeployment(client: ForgeClient, serverId: number, siteId: number): Promise<Deployment> {
  const before = await newestDeployment(client, serverId, siteId);
  const { object, lost } = await createOrFindAfterLostAnswer({
    what: `a deployment of site ${siteId}`,
    mark: `being the site's newest deployment after ${before === undefined ? "none" : `deployment ${before.id}`}`,
    create: () => client.deployments.create(serverId, siteId),
    find: async () => {
      const newest = await newestDeployment(client, serverId, siteId);
      return newest !== undefined && newest.id !== before?.id ? newest : undefined;
    },
  });
  if (lost !== null) {
    void pulumi.log.info(
      `deployment: site ${siteId}: Forge's answer was lost or empty; following deployment ${object.id}`,
    );
  }
  return object;
}

/** Starts a deployment and waits for its end. Throws only when Forge refused to start one. */
export async function deployAndWait(
  client: ForgeClient,
  inputs: DeploymentInputs,
  secrets: readonly string[],
  timeoutMs: number = DEPLOY_TIMEOUT_MS,
): Promise<DeploymentRun> {
  const { serverId, siteId } = inputs;
  const started = await startDeployment(client, serverId, siteId);
  const what = `deployment ${started.id} of site ${siteId} to finish`;
  let final: Deployment;
  try {
    final = await waitFor(
      async () => {
        const deployment = await client.deployments.get(serverId, siteId, started.id);
        return IN_PROGRESS.has(deployment.status) ? waitPending(deployment.status) : waitDone(deployment);
      },
      { what, timeoutMs, ...pollPacing() },
    );
  } catch (error) {
    if (!(error instanceof ForgeWaitTimeoutError)) throw error;
    const message = `${error.message}. Forge stops a deployment after 10 minutes; ${NEXT_UP} deploys again.`;
    return {
      deploymentId: started.id,
      status: error.lastStatus ?? "queued",
      deployedAt: null,
      error: new Error(message),
    };
  }
  if (final.status === FINISHED) {
    return { deploymentId: final.id, status: final.status, deployedAt: final.endedAt, error: null };
  }
  const log = await client.deployments
    .getLog(serverId, siteId, final.id)
    .catch(
      (logError: unknown) =>
        `(the deployment log could not be read: ${logError instanceof Error ? logError.message : String(logError)})`,
    );
  const message =
    `Deployment ${final.id} of site ${siteId} ended \`${final.status}\`. The end of its log (secrets redacted):\n` +
    `${indent(redactedLogTail(log, secrets))}\n` +
    `Fix the cause, then ${RUN_UP_AGAIN}: the next update deploys again even if nothing else changed.`;
  return {
    deploymentId: final.id,
    status: final.status,
    deployedAt: null,
    error: new Error(redactSecrets(message, secrets)),
  };
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}
