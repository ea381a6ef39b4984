import { decodeSingletonAttributes } from "./json-api";
import { envValues } from "../common/redact";
import type { ForgeTransport } from "./request";
import type { UpdateEnvironmentRequest } from "./types";

export interface UpdateEnvironmentParams {
  /** The whole `.env` text: Forge replaces the file, so read, merge, then write. */
  content: string;
  /** Forge's `cache` flag (semantics undocumented). */
  cache?: boolean;
  /** Forge's `queues` flag (semantics undocumented). */
  queues?: boolean;
  encryptionKey?: string | null;
}

/** The site's `.env`, as raw text in both directions. Its content is treated as secret throughout. */
export class EnvironmentApi {
  constructor(private readonly transport: ForgeTransport) {}

  async get(serverId: number, siteId: number): Promise<string> {
    const body = await this.transport.send({
      operation: "organizations.servers.sites.environment.show",
      params: { server: serverId, site: siteId },
    });
    return decodeSingletonAttributes(body, "environments").optionalString("content") ?? "";
  }

  /** Async (202, empty): the new file is written shortly after. */
  async update(serverId: number, siteId: number, params: UpdateEnvironmentParams): Promise<void> {
    const body: UpdateEnvironmentRequest = {
      environment: params.content,
      cache: params.cache,
      queues: params.queues,
      encryption_key: params.encryptionKey,
    };
    await this.transport.send({
      operation: "organizations.servers.sites.environment.update",
      params: { server: serverId, site: siteId },
      body,
      secrets: [params.content, ...envValues(params.content), ...(params.encryptionKey ? [params.encryptionKey] : [])],
    });
  }
}
