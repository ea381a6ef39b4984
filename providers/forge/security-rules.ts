import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
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

export const toSecurityRule = attributeDecoder<SecurityRule>({ string: ["name"], optionalString: ["path", "status"] });

export class SecurityRulesApi {
  readonly #rules: ResourceEndpoint<typeof RULES, SecurityRule>;

  constructor(transport: ForgeTransport) {
    this.#rules = new ResourceEndpoint(transport, RULES, "securityRules", toSecurityRule);
  }

  list(serverId: number, siteId: number, params: ListSecurityRulesParams = {}): Paginated<SecurityRule> {
    const query = { "filter[path]": params.path, "filter[status]": params.status };
    return this.#rules.list({ server: serverId, site: siteId }, query, params.pageSize);
  }

  get(serverId: number, siteId: number, ruleId: number): Promise<SecurityRule> {
    return this.#rules.resource("show", { server: serverId, site: siteId, securityRule: ruleId });
  }

  /** Async (202); poll `get` until `installed`. */
  create(serverId: number, siteId: number, params: CreateSecurityRuleParams): Promise<SecurityRule> {
    const request: CreateSecurityRuleRequest = {
      name: params.name,
      path: params.path,
      credentials: params.credentials.map(({ username, password }) => ({ username, password })),
    };
    const secrets = params.credentials.map((credential) => credential.password);
    return this.#rules.resource("store", { server: serverId, site: siteId }, request, secrets);
  }

  /** Async (202, empty). */
  update(serverId: number, siteId: number, ruleId: number, params: UpdateSecurityRuleParams): Promise<void> {
    const request: UpdateSecurityRuleRequest = {
      name: params.name,
      path: params.path,
      credentials: params.credentials.map(({ username, password }) => ({ username, password })),
    };
    const secrets = params.credentials.flatMap((credential) => (credential.password ? [credential.password] : []));
    return this.#rules.call("update", { server: serverId, site: siteId, securityRule: ruleId }, request, secrets);
  }

  delete(serverId: number, siteId: number, ruleId: number): Promise<void> {
    return this.#rules.call("destroy", { server: serverId, site: siteId, securityRule: ruleId });
  }
}

const RULES = "organizations.servers.sites.security-rules";
