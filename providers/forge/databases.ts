import type { DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { CreateDatabaseRequest, DatabaseStatus, OpenEnum } from "./types";

/** A database schema on a server. */
export interface Database {
  id: number;
  name: string;
  /** `installing` → `installed`; `removing` while deleted. */
  status: OpenEnum<DatabaseStatus>;
}

export interface ListDatabasesParams {
  /** `filter[name]`. */
  name?: string;
  /** `filter[status]`. */
  status?: DatabaseStatus;
  pageSize?: number;
}

export interface CreateDatabaseParams {
  /** At most 63 characters. */
  name: string;
  /**
   * Forge can create a user alongside, but does not return its id, so teardown could not find it; prefer
   * `databaseUsers.create` with `databaseIds`.
   */
  user?: string | null;
  password?: string | null;
}

export function toDatabase(resource: DecodedResource): Database {
  const a = resource.attributes;
  return { id: resource.id, name: a.string("name"), status: a.string("status") };
}

export class DatabasesApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, params: ListDatabasesParams = {}): Paginated<Database> {
    return this.transport.list(
      {
        operation: "organizations.servers.database.schemas.index",
        params: { server: serverId },
        query: { "filter[name]": params.name, "filter[status]": params.status },
        pageSize: params.pageSize,
      },
      "databases",
      toDatabase,
    );
  }

  /** The database named exactly `name`, or `undefined`. */
  findByName(serverId: number, name: string): Promise<Database | undefined> {
    return this.list(serverId, { name }).find((database) => database.name === name);
  }

  get(serverId: number, databaseId: number): Promise<Database> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.database.schemas.show",
        params: { server: serverId, database: databaseId },
      },
      "databases",
      toDatabase,
    );
  }

  /** Async (202); poll `get` until `installed`. */
  create(serverId: number, params: CreateDatabaseParams): Promise<Database> {
    const request: CreateDatabaseRequest = { name: params.name, user: params.user, password: params.password };
    return this.transport.sendFor(
      {
        operation: "organizations.servers.database.schemas.store",
        params: { server: serverId },
        body: request,
        secrets: params.password ? [params.password] : [],
      },
      "databases",
      toDatabase,
    );
  }

  /** Async (202); poll `get` until it answers 404. */
  async delete(serverId: number, databaseId: number): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.database.schemas.destroy",
      params: { server: serverId, database: databaseId },
    });
  }
}
