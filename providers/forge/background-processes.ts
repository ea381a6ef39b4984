import type { DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { BackgroundProcessStatus, BackgroundProcessUser, CreateBackgroundProcessRequest, OpenEnum } from "./types";

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

export function toBackgroundProcess(resource: DecodedResource): BackgroundProcess {
  const a = resource.attributes;
  return {
    id: resource.id,
    command: a.string("command"),
    user: a.optionalString("user"),
    directory: a.optionalString("directory"),
    processes: a.optionalNumber("processes"),
    status: a.string("status"),
  };
}

export class BackgroundProcessesApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, params: ListBackgroundProcessesParams = {}): Paginated<BackgroundProcess> {
    return this.transport.list(
      {
        operation: "organizations.servers.background-processes.index",
        params: { server: serverId },
        query: {
          "filter[site_id]": params.siteId,
          "filter[user]": params.user,
          "filter[directory]": params.directory,
        },
        pageSize: params.pageSize,
      },
      "backgroundProcesses",
      toBackgroundProcess,
    );
  }

  get(serverId: number, processId: number): Promise<BackgroundProcess> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.background-processes.show",
        params: { server: serverId, backgroundProcess: processId },
      },
      "backgroundProcesses",
      toBackgroundProcess,
    );
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
    return this.transport.sendFor(
      {
        operation: "organizations.servers.background-processes.store",
        params: { server: serverId },
        body: request,
      },
      "backgroundProcesses",
      toBackgroundProcess,
    );
  }

  async delete(serverId: number, processId: number): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.background-processes.destroy",
      params: { server: serverId, backgroundProcess: processId },
    });
  }
}
