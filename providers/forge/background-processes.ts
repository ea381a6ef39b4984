import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type {
  BackgroundProcessAction,
  BackgroundProcessStatus,
  BackgroundProcessUser,
  CreateBackgroundProcessRequest,
  OpenEnum,
} from "./types";

/**
 * A Supervisor program on a server. Forge's new API has no queue-worker resource: a queue worker is a
 * background process running `php artisan queue:work ...`, linked to its site with `siteId`.
 */
export interface BackgroundProcess {
  id: number;
  command: string;
  user: string | null;
  directory: string | null;
  processes: number | null;
  /** `installing` → `installed`/`running`; trouble shows as `backoff`, `exited` or `fatal`. */
  status: OpenEnum<BackgroundProcessStatus>;
}

export interface ListBackgroundProcessesParams {
  /** `filter[site_id]`: the processes belonging to one site (cleanup). */
  siteId?: number;
  /** `filter[user]`. */
  user?: string;
  /** `filter[directory]`. */
  directory?: string;
  pageSize?: number;
}

export interface CreateBackgroundProcessParams {
  name: string;
  command: string;
  /** Forge accepts only `root` or `forge` here. */
  user: BackgroundProcessUser;
  /** At least 1. */
  processes: number;
  siteId?: number;
  /** For zero-downtime sites, the site's `current/` directory. */
  directory?: string | null;
  startsecs?: number;
  stopwaitsecs?: number;
  stopsignal?: string | null;
}

export const toBackgroundProcess = attributeDecoder<BackgroundProcess>({
  string: ["command", "status"],
  optionalString: ["user", "directory"],
  optionalNumber: ["processes"],
});

export class BackgroundProcessesApi {
  readonly #processes: ResourceEndpoint<typeof PROCESSES, BackgroundProcess>;

  constructor(transport: ForgeTransport) {
    this.#processes = new ResourceEndpoint(transport, PROCESSES, "backgroundProcesses", toBackgroundProcess);
  }

  list(serverId: number, params: ListBackgroundProcessesParams = {}): Paginated<BackgroundProcess> {
    const { siteId, user, directory, pageSize } = params;
    const query = { "filter[site_id]": siteId, "filter[user]": user, "filter[directory]": directory };
    return this.#processes.list({ server: serverId }, query, pageSize);
  }

  get(serverId: number, processId: number): Promise<BackgroundProcess> {
    return this.#processes.resource("show", { server: serverId, backgroundProcess: processId });
  }

  /** Async (202); poll `get` until `installed` or `running`. */
  async create(serverId: number, params: CreateBackgroundProcessParams): Promise<BackgroundProcess> {
    const request: CreateBackgroundProcessRequest = {
      name: params.name,
      site_id: params.siteId,
      command: params.command,
      user: params.user,
      directory: params.directory,
      processes: params.processes,
      startsecs: params.startsecs,
      stopwaitsecs: params.stopwaitsecs,
      stopsignal: params.stopsignal,
    };
    return this.#processes.resource("store", { server: serverId }, request);
  }

  /** Async (202): Supervisor restarts, starts or stops the program; poll `get` for its state. */
  action(serverId: number, processId: number, action: BackgroundProcessAction): Promise<void> {
    return this.#processes.call("actions.store", { server: serverId, backgroundProcess: processId }, { action });
  }

  delete(serverId: number, processId: number): Promise<void> {
    return this.#processes.call("destroy", { server: serverId, backgroundProcess: processId });
  }
}

const PROCESSES = "organizations.servers.background-processes";
