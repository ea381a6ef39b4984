import type { DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { CreateSecurityRuleRequest, UpdateSecurityRuleRequest } from "./types";

/** HTTP basic auth on a site (or a path of it). */
export interface SecurityRule {
  id: number;
  name: string;
  /** `null` protects the whole site. */
  path: string | null;
  /** e.g. `installing`, `installed`. */
  status: string | null;
}

export interface ListSecurityRulesParams {
  /** `filter[path]`. */
  path?: string;
  /** `filter[status]`. */
  status?: string;
  pageSize?: number;
}

export interface CreateSecurityRuleParams {
  /** At most 255 characters. */
  name: string;
  /** Leave out to protect the whole site. */
  path?: string;
  /** At least one; usernames at most 50 characters. Passwords are redacted from any error. */
  credentials: { username: string; password: string }[];
}

export interface UpdateSecurityRuleParams {
  name: string;
  path?: string | null;
  /** A credential without `password` keeps its current one. */
  credentials: { username: string; password?: string }[];
}

export function toSecurityRule(resource: DecodedResource): SecurityRule {
  const a = resource.attributes;
  return {
    id: resource.id,
    name: a.string("name"),
    path: a.optionalString("path"),
    status: a.optionalString("status"),
  };
}

export class SecurityRulesApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, siteId: number, params: ListSecurityRulesParams = {}): Paginated<SecurityRule> {
    return this.transport.list(
      {
        operation: "organizations.servers.sites.security-rules.index",
        params: { server: serverId, site: siteId },
        query: { "filter[path]": params.path, "filter[status]": params.status },
        pageSize: params.pageSize,
      },
      "securityRules",
      toSecurityRule,
    );
  }

  get(serverId: number, siteId: number, ruleId: number): Promise<SecurityRule> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.security-rules.show",
        params: { server: serverId, site: siteId, securityRule: ruleId },
      },
      "securityRules",
      toSecurityRule,
    );
  }

  /** Async (202); poll `get` until `installed`. */
  async create(serverId: number, siteId: number, params: CreateSecurityRuleParams): Promise<SecurityRule> {
    const request: CreateSecurityRuleRequest = {
      name: params.name,
      path: params.path,
      credentials: params.credentials.map(({ username, password }) => ({ username, password })),
    };
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.security-rules.store",
        params: { server: serverId, site: siteId },
        body: request,
        secrets: params.credentials.map((credential) => credential.password),
      },
      "securityRules",
      toSecurityRule,
    );
  }

  /** Async (202, empty). */
  async update(serverId: number, siteId: number, ruleId: number, params: UpdateSecurityRuleParams): Promise<void> {
    const request: UpdateSecurityRuleRequest = {
      name: params.name,
      path: params.path,
      credentials: params.credentials.map(({ username, password }) => ({ username, password })),
    };
    await this.transport.send({
      operation: "organizations.servers.sites.security-rules.update",
      params: { server: serverId, site: siteId, securityRule: ruleId },
      body: request,
      secrets: params.credentials.flatMap((credential) => (credential.password ? [credential.password] : [])),
    });
  }

  async delete(serverId: number, siteId: number, ruleId: number): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.sites.security-rules.destroy",
      params: { server: serverId, site: siteId, securityRule: ruleId },
    });
  }
}
