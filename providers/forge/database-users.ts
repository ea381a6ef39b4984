import type { DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { CreateDatabaseUserRequest, DatabaseUserStatus, OpenEnum, UpdateDatabaseUserRequest } from "./types";

export interface DatabaseUser {
  id: number;
  name: string;
  /** `installing` → `installed`; `updating`; `removing`. */
  status: OpenEnum<DatabaseUserStatus>;
}

export interface ListDatabaseUsersParams {
  /** `filter[name]`. */
  name?: string;
  /** `filter[status]`. */
  status?: DatabaseUserStatus;
  pageSize?: number;
}

export interface CreateDatabaseUserParams {
  name: string;
  /** At most 255 characters. Never logged, and redacted from any error. */
  password: string;
  readOnly?: boolean;
  /** Databases the user may use. */
  databaseIds?: number[];
}

export interface UpdateDatabaseUserParams {
  password?: string | null;
  databaseIds?: number[];
}

export function toDatabaseUser(resource: DecodedResource): DatabaseUser {
  const a = resource.attributes;
  return { id: resource.id, name: a.string("name"), status: a.string("status") };
}

export class DatabaseUsersApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, params: ListDatabaseUsersParams = {}): Paginated<DatabaseUser> {
    return this.transport.list(
      {
        operation: "organizations.servers.database.users.index",
        params: { server: serverId },
        query: { "filter[name]": params.name, "filter[status]": params.status },
        pageSize: params.pageSize,
      },
      "databaseUsers",
      toDatabaseUser,
    );
  }

  /** The user named exactly `name`, or `undefined`. */
  findByName(serverId: number, name: string): Promise<DatabaseUser | undefined> {
    return this.list(serverId, { name }).find((user) => user.name === name);
  }

  get(serverId: number, userId: number): Promise<DatabaseUser> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.database.users.show",
        params: { server: serverId, databaseUser: userId },
      },
      "databaseUsers",
      toDatabaseUser,
    );
  }

  /** Async (202); poll `get` until `installed`. */
  async create(serverId: number, params: CreateDatabaseUserParams): Promise<DatabaseUser> {
    const request: CreateDatabaseUserRequest = {
      name: params.name,
      password: params.password,
      read_only: params.readOnly,
      database_ids: params.databaseIds,
    };
    return this.transport.sendFor(
      {
        operation: "organizations.servers.database.users.store",
        params: { server: serverId },
        body: request,
        secrets: [params.password],
      },
      "databaseUsers",
      toDatabaseUser,
    );
  }

  /** Async (202, empty). `databaseIds` replaces the user's list of databases. */
  async update(serverId: number, userId: number, params: UpdateDatabaseUserParams): Promise<void> {
    const request: UpdateDatabaseUserRequest = { password: params.password, database_ids: params.databaseIds };
    await this.transport.send({
      operation: "organizations.servers.database.users.update",
      params: { server: serverId, databaseUser: userId },
      body: request,
      secrets: params.password ? [params.password] : [],
    });
  }

  async delete(serverId: number, userId: number): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.database.users.destroy",
      params: { server: serverId, databaseUser: userId },
    });
  }
}
