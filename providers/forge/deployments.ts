import type { AttributeReader, DecodedResource } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { DeploymentStatus, OpenEnum, UpdateDeploymentScriptRequest } from "./types";

export interface DeploymentCommit {
  hash: string | null;
  author: string | null;
  message: string | null;
  branch: string | null;
}

export interface Deployment {
  id: number;
  /** `queued`/`pending`/`deploying`, then `finished`, `failed`, `failed-build` or `cancelled`. */
  status: OpenEnum<DeploymentStatus>;
  type: string | null;
  commit: DeploymentCommit;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string | null;
}

export interface DeploymentScript {
  content: string | null;
  autoSource: boolean;
}

export interface SiteDeploymentStatus {
  /** `null` when nothing is deploying. */
  status: OpenEnum<DeploymentStatus> | null;
  startedAt: string | null;
}

export interface ListDeploymentsParams {
  /** `filter[commit_hash]`. */
  commitHash?: string;
  /** e.g. `-created_at`. */
  sort?: string;
  pageSize?: number;
}

export interface UpdateDeploymentScriptParams {
  content: string;
  autoSource?: boolean | null;
}

export function toDeployment(resource: DecodedResource): Deployment {
  const a = resource.attributes;
  const commit = a.optionalObject("commit");
  return {
    id: resource.id,
    status: a.string("status"),
    type: a.optionalString("type"),
    commit: {
      hash: commit?.optionalString("hash") ?? null,
      author: commit?.optionalString("author") ?? null,
      message: commit?.optionalString("message") ?? null,
      branch: commit?.optionalString("branch") ?? null,
    },
    startedAt: a.optionalString("started_at"),
    endedAt: a.optionalString("ended_at"),
    createdAt: a.optionalString("created_at"),
  };
}

function toDeploymentScript(a: AttributeReader): DeploymentScript {
  return { content: a.optionalString("content"), autoSource: a.optionalBoolean("auto_source") ?? false };
}

/** Deployments, the deploy script and push-to-deploy of one site. */
export class DeploymentsApi {
  readonly #deployments: ResourceEndpoint<typeof DEPLOYMENTS, Deployment>;

  constructor(transport: ForgeTransport) {
    this.#deployments = new ResourceEndpoint(transport, DEPLOYMENTS, "deployments", toDeployment);
  }

  list(serverId: number, siteId: number, params: ListDeploymentsParams = {}): Paginated<Deployment> {
    const query = { "filter[commit_hash]": params.commitHash, sort: params.sort };
    return this.#deployments.list({ server: serverId, site: siteId }, query, params.pageSize);
  }

  /** Triggers a deployment (202) and returns it; poll `get` until a final status. */
  create(serverId: number, siteId: number): Promise<Deployment> {
    return this.#deployments.resource("store", { server: serverId, site: siteId });
  }

  get(serverId: number, siteId: number, deploymentId: number): Promise<Deployment> {
    return this.#deployments.resource("show", { server: serverId, site: siteId, deployment: deploymentId });
  }

  /** The deployment's output text. */
  async getLog(serverId: number, siteId: number, deploymentId: number): Promise<string> {
    const ids = { server: serverId, site: siteId, deployment: deploymentId };
    return (await this.#deployments.singleton("log.show", ids, "deploymentOutputs")).optionalString("output") ?? "";
  }

  /** Whether something is deploying on the site right now. */
  async getStatus(serverId: number, siteId: number): Promise<SiteDeploymentStatus> {
    const a = await this.#deployments.singleton(
      "status.show",
      { server: serverId, site: siteId },
      "deploymentStatuses",
    );
    return { status: a.optionalString("status"), startedAt: a.optionalString("started_at") };
  }

  async getScript(serverId: number, siteId: number): Promise<DeploymentScript> {
    const ids = { server: serverId, site: siteId };
    return toDeploymentScript(await this.#deployments.singleton("script.show", ids, "deploymentScripts"));
  }

  /** Synchronous (200): returns the stored script. */
  async updateScript(
    serverId: number,
    siteId: number,
    params: UpdateDeploymentScriptParams,
  ): Promise<DeploymentScript> {
    const request: UpdateDeploymentScriptRequest = { content: params.content, auto_source: params.autoSource };
    const ids = { server: serverId, site: siteId };
    return toDeploymentScript(await this.#deployments.singleton("script.update", ids, "deploymentScripts", request));
  }

  /** Deploy on every push to the site's branch (async, 202). */
  enablePushToDeploy(serverId: number, siteId: number): Promise<void> {
    return this.#deployments.call("push-to-deploy.store", { server: serverId, site: siteId });
  }

  disablePushToDeploy(serverId: number, siteId: number): Promise<void> {
    return this.#deployments.call("push-to-deploy.destroy", { server: serverId, site: siteId });
  }
}

const DEPLOYMENTS = "organizations.servers.sites.deployments";
