import { attributeDecoder } from "./json-api";
import type { Paginated } from "./paginate";
import { ResourceEndpoint } from "./endpoint";
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

export const toSiteCommand = attributeDecoder<SiteCommand>({
  string: ["command", "status"],
  optionalString: ["duration", "createdAt"],
  optionalNumber: ["userId"],
});

export class CommandsApi {
  readonly #commands: ResourceEndpoint<typeof COMMANDS, SiteCommand>;

  constructor(transport: ForgeTransport) {
    this.#commands = new ResourceEndpoint(transport, COMMANDS, "commands", toSiteCommand);
  }

  /**
   * Queues the command. Forge answers 202 with an empty body, so there is no id to return: find the run
   * with `findLatest` afterwards.
   */
  run(serverId: number, siteId: number, params: RunCommandParams): Promise<void> {
    const request: RunSiteCommandRequest = { command: params.command };
    return this.#commands.call("store", { server: serverId, site: siteId }, request, params.secrets ?? []);
  }

  list(serverId: number, siteId: number, params: ListCommandsParams = {}): Paginated<SiteCommand> {
    const query = { "filter[command]": params.command, "filter[status]": params.status, sort: params.sort };
    return this.#commands.list({ server: serverId, site: siteId }, query, params.pageSize);
  }

  /** The newest run of exactly `command`, or `undefined`. */
  findLatest(serverId: number, siteId: number, command: string): Promise<SiteCommand | undefined> {
    return this.list(serverId, siteId, { command, sort: "-created_at" }).find((run) => run.command === command);
  }

  get(serverId: number, siteId: number, commandId: number): Promise<SiteCommand> {
    return this.#commands.resource("show", { server: serverId, site: siteId, command: commandId });
  }

  async getOutput(serverId: number, siteId: number, commandId: number): Promise<string> {
    const ids = { server: serverId, site: siteId, command: commandId };
    return (await this.#commands.singleton("output.show", ids, "commandOutputs")).optionalString("output") ?? "";
  }
}

const COMMANDS = "organizations.servers.sites.commands";
