import { isRecord } from "../common/narrow";
import { decodePage, type DecodedResource } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
import { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type {
  CreateSiteRequest,
  DomainMode,
  OpenEnum,
  PhpVersion,
  RepositoryStatus,
  SiteStatus,
  SiteType,
  SourceControlProvider,
  UpdateSiteRequest,
  WwwRedirectType,
} from "./types";

export interface SiteRepository {
  provider: string | null;
  url: string | null;
  branch: string | null;
  status: OpenEnum<RepositoryStatus> | null;
}

export interface Site {
  id: number;
  /** From the `server` relationship, when Forge includes it; the caller usually knows it already. */
  serverId: number | null;
  /** The primary domain. */
  name: string;
  status: OpenEnum<SiteStatus>;
  url: string | null;
  user: string | null;
  https: boolean;
  webDirectory: string | null;
  rootDirectory: string | null;
  aliases: string[];
  phpVersion: string | null;
  deploymentStatus: string | null;
  quickDeploy: boolean | null;
  isolated: boolean;
  repository: SiteRepository | null;
  database: string | null;
  zeroDowntimeDeployments: boolean;
  sharedPaths: Record<string, string>;
  deploymentUrl: string | null;
  healthcheckUrl: string | null;
  createdAt: string | null;
}

/** A site with the names of its tags (the ownership mark previews put on their sites). */
export interface TaggedSite {
  site: Site;
  /** Tag names, from `include=tags`. */
  tags: string[];
}

export interface ListSitesParams {
  /** `filter[name]`; Forge may match loosely, so `findByName` also compares exactly. */
  name?: string;
  /** e.g. `name` or `-created_at`. */
  sort?: string;
  pageSize?: number;
}

/** `CreateSiteRequest` in camelCase; only `type` is required by Forge. */
export interface CreateSiteParams {
  type: SiteType;
  domainMode?: DomainMode;
  /** The domain. */
  name?: string;
  wwwRedirectType?: WwwRedirectType;
  allowWildcardSubdomains?: boolean;
  rootDirectory?: string | null;
  webDirectory?: string | null;
  isIsolated?: boolean;
  /** Lowercase, starts with a letter, at most 32 characters. */
  isolatedUser?: string;
  phpVersion?: PhpVersion;
  zeroDowntimeDeployments?: boolean;
  nginxTemplateId?: number;
  sourceControlProvider?: SourceControlProvider;
  repository?: string | null;
  branch?: string | null;
  databaseId?: number;
  databaseUserId?: number;
  installComposerDependencies?: boolean;
  generateDeployKey?: boolean;
  pushToDeploy?: boolean;
  tags?: string[] | null;
  sharedPaths?: { from: string; to: string }[];
}

export interface UpdateSiteParams {
  rootPath?: string | null;
  directory?: string | null;
  type?: SiteType;
  phpVersion?: PhpVersion;
  pushToDeploy?: boolean;
  repositoryBranch?: string | null;
}

export function toSite(resource: DecodedResource): Site {
  const a = resource.attributes;
  const repository = a.optionalObject("repository");
  const server = resource.relationships.server;
  return {
    id: resource.id,
    serverId: typeof server === "number" ? server : null,
    name: a.string("name"),
    status: a.string("status"),
    url: a.optionalString("url"),
    user: a.optionalString("user"),
    https: a.optionalBoolean("https") ?? false,
    webDirectory: a.optionalString("web_directory"),
    rootDirectory: a.optionalString("root_directory"),
    aliases: a.stringList("aliases"),
    phpVersion: a.optionalString("php_version"),
    deploymentStatus: a.optionalString("deployment_status"),
    quickDeploy: a.optionalBoolean("quick_deploy"),
    isolated: a.optionalBoolean("isolated") ?? false,
    repository: repository && {
      provider: repository.optionalString("provider"),
      url: repository.optionalString("url"),
      branch: repository.optionalString("branch"),
      status: repository.optionalString("status"),
    },
    database: a.optionalString("database"),
    zeroDowntimeDeployments: a.optionalBoolean("zero_downtime_deployments") ?? false,
    sharedPaths: a.stringMap("shared_paths"),
    deploymentUrl: a.optionalString("deployment_url"),
    healthcheckUrl: a.optionalString("healthcheck_url"),
    createdAt: a.optionalString("created_at"),
  };
}

export function toCreateSiteRequest(params: CreateSiteParams): CreateSiteRequest {
  return {
    type: params.type,
    domain_mode: params.domainMode,
    name: params.name,
    www_redirect_type: params.wwwRedirectType,
    allow_wildcard_subdomains: params.allowWildcardSubdomains,
    root_directory: params.rootDirectory,
    web_directory: params.webDirectory,
    is_isolated: params.isIsolated,
    isolated_user: params.isolatedUser,
    php_version: params.phpVersion,
    zero_downtime_deployments: params.zeroDowntimeDeployments,
    nginx_template_id: params.nginxTemplateId,
    source_control_provider: params.sourceControlProvider,
    repository: params.repository,
    branch: params.branch,
    database_id: params.databaseId,
    database_user_id: params.databaseUserId,
    install_composer_dependencies: params.installComposerDependencies,
    generate_deploy_key: params.generateDeployKey,
    push_to_deploy: params.pushToDeploy,
    tags: params.tags,
    shared_paths: params.sharedPaths,
  };
}

export class SitesApi {
  /** Sites under a server: list, create, update, delete. */
  readonly #sites: ResourceEndpoint<"organizations.servers.sites", Site>;
  /** Sites of the organization: list across servers, and get-site, which has no server segment. */
  readonly #orgSites: ResourceEndpoint<"organizations.sites", Site>;

  constructor(private readonly transport: ForgeTransport) {
    this.#sites = new ResourceEndpoint(transport, "organizations.servers.sites", "sites", toSite);
    this.#orgSites = new ResourceEndpoint(transport, "organizations.sites", "sites", toSite);
  }

  /** Sites on one server. */
  list(serverId: number, params: ListSitesParams = {}): Paginated<Site> {
    return this.#sites.list({ server: serverId }, { "filter[name]": params.name, sort: params.sort }, params.pageSize);
  }

  /** Sites on every server of the organization. */
  listInOrg(params: Omit<ListSitesParams, "sort"> = {}): Paginated<Site> {
    return this.#orgSites.list({}, { "filter[name]": params.name }, params.pageSize);
  }

  /**
   * Sites on one server whose name contains `name`, each with its tag names. Get-site takes no `include`, so tags are
   * only readable through the list: `relationships.tags` holds tag ids and `included` the `tags` resources naming them.
   */
  listWithTags(serverId: number, name: string): Paginated<TaggedSite> {
    return new Paginated(async (cursor) => {
      const body = await this.transport.send({
        operation: "organizations.servers.sites.index",
        params: { server: serverId },
        query: { "filter[name]": name, include: "tags", "page[cursor]": cursor ?? undefined },
      });
      const page = decodePage(body, "sites");
      const tagNames = includedTagNames(body);
      const items = page.items.map((resource) => {
        const ids = resource.relationships.tags;
        const tags = (Array.isArray(ids) ? ids : []).flatMap((id) => tagNames.get(id) ?? []);
        return { site: toSite(resource), tags };
      });
      return { items, nextCursor: page.nextCursor };
    });
  }

  /** The site whose domain is exactly `name`, or `undefined`; the look-up half of look-up-and-adopt. */
  findByName(serverId: number, name: string): Promise<Site | undefined> {
    return this.list(serverId, { name }).find((site) => site.name === name);
  }

  /** Forge's get-site has no server segment: `GET /orgs/{org}/sites/{site}`. */
  get(siteId: number): Promise<Site> {
    return this.#orgSites.resource("show", { site: siteId });
  }

  /** Starts the install (202); poll `get` until `status` is `installed`. */
  create(serverId: number, params: CreateSiteParams): Promise<Site> {
    return this.#sites.resource("store", { server: serverId }, toCreateSiteRequest(params));
  }

  /** Async (202, empty body). */
  update(serverId: number, siteId: number, params: UpdateSiteParams): Promise<void> {
    const body: UpdateSiteRequest = {
      root_path: params.rootPath,
      directory: params.directory,
      type: params.type,
      php_version: params.phpVersion,
      push_to_deploy: params.pushToDeploy,
      repository_branch: params.repositoryBranch,
    };
    return this.#sites.call("update", { server: serverId, site: siteId }, body);
  }

  /** Async (202); the site reports `removing` until `get` answers 404. */
  delete(serverId: number, siteId: number): Promise<void> {
    return this.#sites.call("destroy", { server: serverId, site: siteId });
  }
}

/** Tag id to name, from a document's `included` array; other included types are skipped. */
function includedTagNames(body: unknown): Map<number, string> {
  const names = new Map<number, string>();
  const included = isRecord(body) && Array.isArray(body.included) ? body.included : [];
  for (const item of included) {
    if (!isRecord(item) || item.type !== "tags" || !isRecord(item.attributes)) continue;
    const id = typeof item.id === "string" && /^\d+$/.test(item.id) ? Number(item.id) : null;
    if (id !== null && typeof item.attributes.name === "string") names.set(id, item.attributes.name);
  }
  return names;
}
