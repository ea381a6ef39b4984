import { decodeDocument, type DecodedResource } from "./json-api";
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

export function toServer(resource: DecodedResource): Server {
  const a = resource.attributes;
  return {
    id: resource.id,
    name: a.string("name"),
    type: a.optionalString("type"),
    provider: a.optionalString("provider"),
    region: a.optionalString("region"),
    ubuntuVersion: a.optionalString("ubuntu_version"),
    sshPort: a.optionalNumber("ssh_port"),
    phpVersion: a.optionalString("php_version"),
    phpCliVersion: a.optionalString("php_cli_version"),
    databaseType: a.optionalString("database_type"),
    ipAddress: a.optionalString("ip_address"),
    privateIpAddress: a.optionalString("private_ip_address"),
    isReady: a.optionalBoolean("is_ready") ?? false,
    revoked: a.optionalBoolean("revoked") ?? false,
    connectionStatus: a.optionalString("connection_status"),
  };
}

export class ServersApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(params: ListServersParams = {}): Paginated<Server> {
    return this.transport.list(
      {
        operation: "organizations.servers.index",
        params: {},
        query: { "filter[name]": params.name, "filter[ip_address]": params.ipAddress },
        pageSize: params.pageSize,
      },
      "servers",
      toServer,
    );
  }

  async get(serverId: number): Promise<Server> {
    const body = await this.transport.send({ operation: "organizations.servers.show", params: { server: serverId } });
    return toServer(decodeDocument(body, "servers"));
  }
}
