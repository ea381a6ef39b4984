import type { DecodedResource } from "./json-api";
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

export function toDomainRecord(resource: DecodedResource): DomainRecord {
  const a = resource.attributes;
  return {
    id: resource.id,
    name: a.string("name"),
    type: a.string("type"),
    status: a.string("status"),
    wwwRedirectType: a.optionalString("www_redirect_type"),
    allowWildcardSubdomains: a.optionalBoolean("allow_wildcard_subdomains") ?? false,
  };
}

export class DomainsApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, siteId: number, params: ListDomainsParams = {}): Paginated<DomainRecord> {
    return this.transport.list(
      {
        operation: "organizations.servers.sites.domains.index",
        params: { server: serverId, site: siteId },
        query: { "filter[type]": params.type, "filter[status]": params.status },
        pageSize: params.pageSize,
      },
      "domainRecords",
      toDomainRecord,
    );
  }

  /** The site's primary domain record, or `undefined` while Forge has not created it yet. */
  findPrimary(serverId: number, siteId: number): Promise<DomainRecord | undefined> {
    return this.list(serverId, siteId, { type: "primary" }).find((domain) => domain.type === "primary");
  }

  get(serverId: number, siteId: number, domainId: number): Promise<DomainRecord> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.domains.show",
        params: { server: serverId, site: siteId, domainRecord: domainId },
      },
      "domainRecords",
      toDomainRecord,
    );
  }
}
