import { decodeDocument, type DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";

export interface Organization {
  id: number;
  name: string;
  /** What every `/orgs/{org}` path and the client's `org` option take. */
  slug: string;
}

export function toOrganization(resource: DecodedResource): Organization {
  const a = resource.attributes;
  return { id: resource.id, name: a.string("name"), slug: a.string("slug") };
}

export class OrganizationsApi {
  constructor(private readonly transport: ForgeTransport) {}

  /** Organizations the token can see; the way to discover the slug. */
  list(): Paginated<Organization> {
    return this.transport.list({ operation: "organizations.index", params: {} }, "organizations", toOrganization);
  }

  async get(slug: string): Promise<Organization> {
    const body = await this.transport.send({ operation: "organizations.show", params: {}, org: slug });
    return toOrganization(decodeDocument(body, "organizations"));
  }
}
