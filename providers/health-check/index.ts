import * as pulumi from "@pulumi/pulumi";
import { HEALTH_TIMEOUT_MS, HealthCheckError, waitForHealthy } from "./probe";
import { type HealthCheckInputs, type HealthCheckOutputs, checkHealthCheckInputs, diffHealthCheck } from "./rules";
import { redactedError, redactSecrets } from "../common/redact";
import { FAILED_STATUSES, restartUntilRunning, waitUntilRunning } from "../forge-worker/forge";
import type { ForgeClient } from "../forge";
import type { ProviderImplementation } from "../runtime";
import {
  dynamicResourceClass,
  forgeClientFromStackConfig,
  partialFailure,
  pollPacing,
  pureCheckAndDiff,
} from "../runtime";

export type { HealthCheckInputs, HealthCheckOutputs, HealthWorker } from "./rules";

/**
 * The last step to ready (`forge:HealthCheck`): once the deployment, its workers, the certificate and basic auth are
 * in place, it makes sure each worker runs (one started before the first deployment is started now) and polls the
 * health URL through TLS and basic auth until it answers 200. Its own step, so that certificate, basic auth, worker
 * and data all come up beside the deployment instead of after it.
 *
 * The Pulumi id is the site id. Deleting it removes nothing: a check is an observation.
 */

function secretsOf(inputs: HealthCheckInputs): string[] {
  return [...inputs.redactions, ...(inputs.auth === null ? [] : [inputs.auth.password])].filter((s) => s !== "");
}

/** A worker Supervisor gave up on is started afresh; one still starting is waited for. */
async function ensureWorkersRun(client: ForgeClient, inputs: HealthCheckInputs): Promise<void> {
  for (const worker of inputs.workers) {
    const where = { serverId: inputs.serverId, siteId: inputs.siteId, name: worker.name };
    const process = await client.backgroundProcesses.get(inputs.serverId, worker.processId);
    if (FAILED_STATUSES.includes(process.status)) {
      void pulumi.log.info(`health-check: starting worker ${worker.name} (it was \`${process.status}\`)`);
      await restartUntilRunning(client, where, worker.processId);
    } else {
      await waitUntilRunning(client, where, worker.processId);
    }
  }
}

async function check(inputs: HealthCheckInputs): Promise<HealthCheckOutputs> {
  const { auth: _auth, redactions: _redactions, ...rest } = inputs;
  const secrets = secretsOf(inputs);
  const id = String(inputs.siteId);
  let outs: HealthCheckOutputs = { ...rest, status: null, healthyAt: null };
  try {
    await ensureWorkersRun(forgeClientFromStackConfig(), inputs);
    const pacing = pollPacing();
    const status = await waitForHealthy(
      inputs.url,
      inputs.auth,
      { timeoutMs: HEALTH_TIMEOUT_MS, ...pacing, resolveAddress: inputs.resolve },
      redactSecrets(inputs.url, secrets),
    );
    outs = { ...outs, status, healthyAt: new Date().toISOString() };
  } catch (error) {
    if (error instanceof HealthCheckError) outs = { ...outs, status: error.lastStatus };
    throw partialFailure(id, outs, redactedError(error, secrets));
  }
  void pulumi.log.info(`health-check: ${redactSecrets(inputs.url, secrets)} answered 200`);
  return outs;
}

export const provider: ProviderImplementation<HealthCheckInputs, HealthCheckOutputs> = {
  ...pureCheckAndDiff(checkHealthCheckInputs, diffHealthCheck),

  async create(inputs) {
    return { id: String(inputs.siteId), outs: await check(inputs) };
  },

  async update(_id, _olds, news) {
    return { outs: await check(news) };
  },

  async delete() {
    // An observation: nothing on Forge to remove.
  },
};

export class HealthCheck extends dynamicResourceClass<HealthCheckInputs, HealthCheckOutputs>({
  implementation: "providers/health-check",
  type: ["forge", "HealthCheck"],
  createdOutputs: { status: true, healthyAt: true },
  secretInputs: ["auth", "redactions"],
}) {}
