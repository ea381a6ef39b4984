import { iso, resource, type JsonApiResource } from "../json-api";
import type { ServerRecord } from "../types";
import { ORG, SERVER, getRoute, need, url, type RequestContext, type RouteDefinition } from "./context";
import { partial, listRoute } from "./list";

export function presentServer(ctx: RequestContext, server: ServerRecord): JsonApiResource {
  return resource(
    "servers",
    server.id,
    {
      id: server.id,
      credential_id: null,
      name: server.name,
      slug: server.name,
      type: "app",
      ubuntu_version: "24.04",
      ssh_port: 22,
      provider: "custom",
      identifier: null,
      size: "custom",
      region: "local",
      php_version: server.phpVersion,
      php_cli_version: server.phpVersion,
      opcache_status: null,
      database_type: server.databaseType,
      db_status: null,
      redis_status: null,
      ip_address: "127.0.0.1",
      private_ip_address: null,
      revoked: false,
      created_at: iso(server.createdAt),
      updated_at: iso(server.createdAt),
      connection_status: "successful",
      timezone: "UTC",
      local_public_key: null,
      is_ready: true,
    },
    url(ctx, `/orgs/${ctx.services.org}/servers/${server.id}`),
  );
}

export const serverRoutes: RouteDefinition[] = [
  listRoute({
    template: `${ORG}/servers`,
    scope: "server:view",
    items: (ctx) => ctx.services.store.data.servers,
    present: presentServer,
    filters: {
      ip_address: (_server, value) => value === "127.0.0.1",
      name: (server, value) => partial(server.name, value),
      region: (_server, value) => value === "local",
      size: (_server, value) => value === "custom",
      provider: (_server, value) => value === "custom",
      ubuntu_version: (_server, value) => value === "24.04",
      php_version: (server, value) => server.phpVersion === value,
      database_type: (server, value) => server.databaseType === value,
    },
    sorts: {
      name: (server) => server.name,
      provider: () => "custom",
      ubuntu_version: () => "24.04",
      region: () => "local",
      php_version: (server) => server.phpVersion,
      created_at: (server) => server.createdAt,
      updated_at: (server) => server.createdAt,
    },
  }),
  getRoute(SERVER, "server:view", (ctx) => presentServer(ctx, need(ctx.found.server, "server"))),
];
