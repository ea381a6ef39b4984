import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
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

export const toDatabaseUser = attributeDecoder<DatabaseUser>({ string: ["name", "status"] });

export class DatabaseUsersApi {
  readonly #users: ResourceEndpoint<typeof USERS, DatabaseUser>;

  constructor(transport: ForgeTransport) {
    this.#users = new ResourceEndpoint(transport, USERS, "databaseUsers", toDatabaseUser);
  }

  list(serverId: number, params: ListDatabaseUsersParams = {}): Paginated<DatabaseUser> {
    const query = { "filter[name]": params.name, "filter[status]": params.status };
    return this.#users.list({ server: serverId }, query, params.pageSize);
  }

  /** The user named exactly `name`, or `undefined`. */
  findByName(serverId: number, name: string): Promise<DatabaseUser | undefined> {
    return this.list(serverId, { name }).find((user) => user.name === name);
  }

  get(serverId: number, userId: number): Promise<DatabaseUser> {
    return this.#users.resource("show", { server: serverId, databaseUser: userId });
  }

  /** Async (202); poll `get` until `installed`. */
  create(serverId: number, params: CreateDatabaseUserParams): Promise<DatabaseUser> {
    const { name, password, readOnly, databaseIds } = params;
    const request: CreateDatabaseUserRequest = { name, password, read_only: readOnly, database_ids: databaseIds };
    return this.#users.resource("store", { server: serverId }, request, [password]);
  }

  /** Async (202, empty). `databaseIds` replaces the user's list of databases. */
  update(serverId: number, userId: number, params: UpdateDatabaseUserParams): Promise<void> {
    const request: UpdateDatabaseUserRequest = { password: params.password, database_ids: params.databaseIds };
    const secrets = params.password ? [params.password] : [];
    return this.#users.call("update", { server: serverId, databaseUser: userId }, request, secrets);
  }

  delete(serverId: number, userId: number): Promise<void> {
    return this.#users.call("destroy", { server: serverId, databaseUser: userId });
  }
}

const USERS = "organizations.servers.database.users";
