import * as pulumi from "@pulumi/pulumi";
import {
  type DeploymentInputs,
  type DeploymentOutputs,
  checkDeploymentInputs,
  deploymentScriptFor,
  diffDeployment,
  FINISHED,
  needsDeployment,
} from "./rules";
import { assertDeployableSite, deployAndWait, ensureDeploymentScript, secretsOf } from "./forge";
import { redactedError } from "../common/redact";
import { sha256Hex } from "./script";
import { ForgeNotFoundError } from "../forge";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig, pureCheckAndDiff } from "../runtime";

export type { DeploymentInputs, DeploymentOutputs } from "./rules";

/**
 * A deployment of a preview site (`forge:Deployment`): sets the site's deployment script, deploys and waits for Forge
 * to finish. A new commit SHA or redeploy token deploys again; a deployment that failed is retried by the next `up`
 * even when no input changed. Whether the app then answers is the HealthCheck's step (providers/health-check).
 *
 * The Pulumi id is the site id (a deployment is a site's history, not an object of its own); the latest deployment
 * is `deploymentId`. Deleting the resource removes nothing from Forge.
 */

function publicInputs(inputs: DeploymentInputs): Omit<DeploymentInputs, "redactions"> {
  const { redactions: _redactions, ...rest } = inputs;
  return rest;
}

/** Fields states written before the health check was its own resource (providers/health-check) still carry. */
function withoutLegacyHealth(previous: DeploymentOutputs): DeploymentOutputs {
  const {
    healthUrl: _url,
    healthResolve: _resolve,
    healthStatus: _status,
    ...rest
  } = previous as DeploymentOutputs & Record<"healthUrl" | "healthResolve" | "healthStatus", unknown>;
  return rest;
}

/**
 * Brings the site to `inputs`: with `previous` null (create) it always deploys; otherwise it deploys only when the
 * script or trigger changed or the previous run did not finish.
 */
async function converge(inputs: DeploymentInputs, previous: DeploymentOutputs | null): Promise<DeploymentOutputs> {
  const id = String(inputs.siteId);
  const secrets = secretsOf(inputs);
  const client = forgeClientFromStackConfig();
  const script = deploymentScriptFor(inputs);
  const scriptSha256 = sha256Hex(script);
  let outs: DeploymentOutputs;

  if (previous === null || needsDeployment(previous, inputs, scriptSha256)) {
    let run;
    try {
      await assertDeployableSite(client, inputs);
      const wrote = await ensureDeploymentScript(client, inputs, script);
      void pulumi.log.info(
        `deployment: site ${inputs.siteId}: ${wrote ? "script updated, " : ""}deploying ${inputs.commitSha ?? `the head of ${inputs.branch}`}`,
      );
      run = await deployAndWait(client, inputs, secrets);
    } catch (error) {
      // Nothing was deployed: the state keeps what it had, and the next `up` tries again.
      throw redactedError(error, secrets);
    }
    outs = {
      ...publicInputs(inputs),
      deploymentId: run.deploymentId,
      status: run.status,
      deployedAt: run.deployedAt,
      scriptSha256,
    };
    if (run.error !== null) throw partialFailure(id, outs, run.error);
    void pulumi.log.info(`deployment: site ${inputs.siteId}: deployment ${run.deploymentId} finished`);
  } else {
    outs = { ...withoutLegacyHealth(previous), ...publicInputs(inputs), scriptSha256 };
  }
  return outs;
}

export const provider: ProviderImplementation<DeploymentInputs, DeploymentOutputs> = {
  ...pureCheckAndDiff(checkDeploymentInputs, diffDeployment),

  async create(inputs) {
    const outs = await converge(inputs, null);
    return { id: String(inputs.siteId), outs: outs satisfies DeploymentOutputs };
  },

  async read(id, props) {
    const client = forgeClientFromStackConfig();
    try {
      await client.sites.get(props.siteId);
    } catch (error) {
      if (error instanceof ForgeNotFoundError) return { id: "" };
      throw error;
    }
    if (!(props.deploymentId > 0)) return { id, props };
    try {
      const latest = await client.deployments.get(props.serverId, props.siteId, props.deploymentId);
      const deployedAt = latest.status === FINISHED ? (latest.endedAt ?? props.deployedAt) : null;
      return { id, props: { ...props, status: latest.status, deployedAt } };
    } catch (error) {
      // Forge prunes old deployments from the history; what the state says is then the best there is.
      if (error instanceof ForgeNotFoundError) return { id, props };
      throw error;
    }
  },

  async update(_id, olds, news) {
    return { outs: await converge(news, olds) };
  },

  async delete() {
    // A deployment is history on the site: there is nothing to remove, and the site's script is left as it is.
  },
};

export class Deployment extends dynamicResourceClass<DeploymentInputs, DeploymentOutputs>({
  implementation: "providers/deployment",
  type: ["forge", "Deployment"],
  createdOutputs: { deploymentId: true, status: true, deployedAt: true, scriptSha256: true },
  secretInputs: ["redactions"],
}) {}
