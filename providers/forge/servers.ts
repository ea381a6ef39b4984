import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";

export interface Server {
  id: number;
  name: string;
  type: string | null;
  provider: string | null;
  region: string | null;
  ubuntuVersion: string | null;
  sshPort: number | null;
  phpVersion: string | null;
  phpCliVersion: string | null;
  databaseType: string | null;
  ipAddress: string | null;
  privateIpAddress: string | null;
  isReady: boolean;
  revoked: boolean;
  connectionStatus: string | null;
}

export interface ListServersParams {
  /** `filter[name]`. */
  name?: string;
  /** `filter[ip_address]`. */
  ipAddress?: string;
  pageSize?: number;
}

export const toServer = attributeDecoder<Server>({
  string: ["name"],
  optionalString: [
    "type",
    "provider",
    "region",
    "ubuntuVersion",
    "phpVersion",
    "phpCliVersion",
    "databaseType",
    "ipAddress",
    "privateIpAddress",
    "connectionStatus",
  ],
  optionalNumber: ["sshPort"],
  flag: ["isReady", "revoked"],
});

export class ServersApi {
  readonly #servers: ResourceEndpoint<"organizations.servers", Server>;

  constructor(transport: ForgeTransport) {
    this.#servers = new ResourceEndpoint(transport, "organizations.servers", "servers", toServer);
  }

  list(params: ListServersParams = {}): Paginated<Server> {
    const query = { "filter[name]": params.name, "filter[ip_address]": params.ipAddress };
    return this.#servers.list({}, query, params.pageSize);
  }

  get(serverId: number): Promise<Server> {
    return this.#servers.resource("show", { server: serverId });
  }
}
