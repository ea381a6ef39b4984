import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { DomainRecordStatus, DomainRecordType, OpenEnum, WwwRedirectType } from "./types";

/** A domain attached to a site. Certificates hang off a domain record, not off the site. */
export interface DomainRecord {
  id: number;
  name: string;
  type: OpenEnum<DomainRecordType>;
  status: OpenEnum<DomainRecordStatus>;
  wwwRedirectType: OpenEnum<WwwRedirectType> | null;
  allowWildcardSubdomains: boolean;
}

export interface ListDomainsParams {
  /** `filter[type]`: `primary` finds the record for the site's own domain. */
  type?: DomainRecordType;
  /** `filter[status]`. */
  status?: DomainRecordStatus;
  pageSize?: number;
}

export const toDomainRecord = attributeDecoder<DomainRecord>({
  string: ["name", "type", "status"],
  optionalString: ["wwwRedirectType"],
  flag: ["allowWildcardSubdomains"],
});

export class DomainsApi {
  readonly #domains: ResourceEndpoint<typeof DOMAINS, DomainRecord>;

  constructor(transport: ForgeTransport) {
    this.#domains = new ResourceEndpoint(transport, DOMAINS, "domainRecords", toDomainRecord);
  }

  list(serverId: number, siteId: number, params: ListDomainsParams = {}): Paginated<DomainRecord> {
    const query = { "filter[type]": params.type, "filter[status]": params.status };
    return this.#domains.list({ server: serverId, site: siteId }, query, params.pageSize);
  }

  /** The site's primary domain record, or `undefined` while Forge has not created it yet. */
  findPrimary(serverId: number, siteId: number): Promise<DomainRecord | undefined> {
    return this.list(serverId, siteId, { type: "primary" }).find((domain) => domain.type === "primary");
  }

  get(serverId: number, siteId: number, domainId: number): Promise<DomainRecord> {
    return this.#domains.resource("show", { server: serverId, site: siteId, domainRecord: domainId });
  }
}

const DOMAINS = "organizations.servers.sites.domains";
