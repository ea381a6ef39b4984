import { decodeSingletonAttributes } from "./json-api";
import type { ForgeTransport } from "./request";
import type { UpdateHealthcheckEndpointRequest } from "./types";

/**
 * The URL Forge requests after each deployment to decide whether the site is healthy. This only configures
 * that URL; checking that a preview answers over HTTP is a plain GET of its URL, done by the resource layer.
 */
export class HealthcheckApi {
  constructor(private readonly transport: ForgeTransport) {}

  /** The configured endpoint, or `null` when none is set. */
  async get(serverId: number, siteId: number): Promise<string | null> {
    const body = await this.transport.send({
      operation: "organizations.servers.sites.healthcheck.show",
      params: { server: serverId, site: siteId },
    });
    return decodeSingletonAttributes(body, "healthcheckEndpoints").optionalString("healthcheck_endpoint");
  }

  /** Sets (or with `null`, clears) the endpoint. Synchronous (204). */
  async update(serverId: number, siteId: number, params: { url: string | null }): Promise<void> {
    const request: UpdateHealthcheckEndpointRequest = { healthcheck_endpoint: params.url };
    await this.transport.send({
      operation: "organizations.servers.sites.healthcheck.update",
      params: { server: serverId, site: siteId },
      body: request,
    });
  }
}
