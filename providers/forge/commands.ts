import { decodeSingletonAttributes, type DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type { CommandStatus, OpenEnum, RunSiteCommandRequest } from "./types";

/** A one-off shell command run as the site's user in the site's directory. */
export interface SiteCommand {
  id: number;
  command: string;
  /** `waiting` → `running` → `finished`, or `failed`/`timeout`. */
  status: OpenEnum<CommandStatus>;
  duration: string | null;
  userId: number | null;
  createdAt: string | null;
}

export interface ListCommandsParams {
  /** `filter[command]`. */
  command?: string;
  /** `filter[status]`. */
  status?: CommandStatus;
  /** e.g. `-created_at` for newest first. */
  sort?: string;
  pageSize?: number;
}

export interface RunCommandParams {
  command: string;
  /** Parts of `command` (a password, say) to keep out of errors and logs. */
  secrets?: string[];
}

export function toSiteCommand(resource: DecodedResource): SiteCommand {
  const a = resource.attributes;
  return {
    id: resource.id,
    command: a.string("command"),
    status: a.string("status"),
    duration: a.optionalString("duration"),
    userId: a.optionalNumber("user_id"),
    createdAt: a.optionalString("created_at"),
  };
}

export class CommandsApi {
  constructor(private readonly transport: ForgeTransport) {}

  /**
   * Queues the command. Forge answers 202 with an empty body, so there is no id to return: find the run
   * with `findLatest` afterwards.
   */
  async run(serverId: number, siteId: number, params: RunCommandParams): Promise<void> {
    const request: RunSiteCommandRequest = { command: params.command };
    await this.transport.send({
      operation: "organizations.servers.sites.commands.store",
      params: { server: serverId, site: siteId },
      body: request,
      secrets: params.secrets ?? [],
    });
  }

  list(serverId: number, siteId: number, params: ListCommandsParams = {}): Paginated<SiteCommand> {
    return this.transport.list(
      {
        operation: "organizations.servers.sites.commands.index",
        params: { server: serverId, site: siteId },
        query: { "filter[command]": params.command, "filter[status]": params.status, sort: params.sort },
        pageSize: params.pageSize,
      },
      "commands",
      toSiteCommand,
    );
  }

  /** The newest run of exactly `command`, or `undefined`. */
  findLatest(serverId: number, siteId: number, command: string): Promise<SiteCommand | undefined> {
    return this.list(serverId, siteId, { command, sort: "-created_at" }).find((run) => run.command === command);
  }

  get(serverId: number, siteId: number, commandId: number): Promise<SiteCommand> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.commands.show",
        params: { server: serverId, site: siteId, command: commandId },
      },
      "commands",
      toSiteCommand,
    );
  }

  async getOutput(serverId: number, siteId: number, commandId: number): Promise<string> {
    const body = await this.transport.send({
      operation: "organizations.servers.sites.commands.output.show",
      params: { server: serverId, site: siteId, command: commandId },
    });
    return decodeSingletonAttributes(body, "commandOutputs").optionalString("output") ?? "";
  }
}
