import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
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

export const toDatabase = attributeDecoder<Database>({ string: ["name", "status"] });

export class DatabasesApi {
  readonly #databases: ResourceEndpoint<typeof SCHEMAS, Database>;

  constructor(transport: ForgeTransport) {
    this.#databases = new ResourceEndpoint(transport, SCHEMAS, "databases", toDatabase);
  }

  list(serverId: number, params: ListDatabasesParams = {}): Paginated<Database> {
    const query = { "filter[name]": params.name, "filter[status]": params.status };
    return this.#databases.list({ server: serverId }, query, params.pageSize);
  }

  /** The database named exactly `name`, or `undefined`. */
  findByName(serverId: number, name: string): Promise<Database | undefined> {
    return this.list(serverId, { name }).find((database) => database.name === name);
  }

  get(serverId: number, databaseId: number): Promise<Database> {
    return this.#databases.resource("show", { server: serverId, database: databaseId });
  }

  /** Async (202); poll `get` until `installed`. */
  create(serverId: number, params: CreateDatabaseParams): Promise<Database> {
    const request: CreateDatabaseRequest = { name: params.name, user: params.user, password: params.password };
    return this.#databases.resource("store", { server: serverId }, request, params.password ? [params.password] : []);
  }

  /** Async (202); poll `get` until it answers 404. */
  delete(serverId: number, databaseId: number): Promise<void> {
    return this.#databases.call("destroy", { server: serverId, database: databaseId });
  }
}

const SCHEMAS = "organizations.servers.database.schemas";
