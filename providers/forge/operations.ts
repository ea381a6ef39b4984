/**
 * The Forge operations this client calls, read once from Forge's OpenAPI description
 * (https://forge.laravel.com/api/docs.openapi, the copy with sha256 4874a051…6640): method, path template,
 * the token scopes (`x-permissions`) and the processing mode (`x-processingMode`). Requests are built from
 * this table, so a method and its path cannot drift apart, and a 403 can name the scope the token lacks.
 */
export const FORGE_OPERATIONS = {
  "organizations.index": { method: "GET", path: "/orgs", scopes: ["organization:view"], mode: "sync" },
  "organizations.show": { method: "GET", path: "/orgs/{organization}", scopes: ["organization:view"], mode: "sync" },
  "organizations.servers.index": {
    method: "GET",
    path: "/orgs/{organization}/servers",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.sites.index": {
    method: "GET",
    path: "/orgs/{organization}/sites",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.sites.show": {
    method: "GET",
    path: "/orgs/{organization}/sites/{site}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites",
    scopes: ["site:create"],
    mode: "async",
  },
  "organizations.servers.sites.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/sites/{site}",
    scopes: ["site:create"],
    mode: "async",
  },
  "organizations.servers.sites.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/sites/{site}",
    scopes: ["site:delete"],
    mode: "async",
  },
  "organizations.servers.sites.domains.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains",
    scopes: ["site:meta"],
    mode: "sync",
  },
  "organizations.servers.sites.domains.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}",
    scopes: ["site:meta"],
    mode: "sync",
  },
  "organizations.servers.sites.domains.certificates.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates",
    scopes: ["site:meta"],
    mode: "sync",
  },
  "organizations.servers.sites.domains.certificates.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates",
    scopes: ["site:manage-ssl"],
    mode: "async",
  },
  "organizations.servers.sites.domains.certificates.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/{certificate}",
    scopes: ["site:meta"],
    mode: "sync",
  },
  "organizations.servers.sites.domains.certificates.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/{certificate}",
    scopes: ["site:manage-ssl"],
    mode: "async",
  },
  "organizations.servers.sites.domains.certificates.active": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/active",
    scopes: ["site:meta"],
    mode: "sync",
  },
  "organizations.servers.sites.domains.certificates.actions.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/{certificate}/actions",
    scopes: ["site:meta"],
    mode: "async",
  },
  "organizations.servers.sites.environment.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/environment",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.environment.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/environment",
    scopes: ["site:manage-environment"],
    mode: "async",
  },
  "organizations.servers.sites.deployments.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments",
    scopes: ["site:manage-deploys"],
    mode: "async",
  },
  "organizations.servers.sites.deployments.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/{deployment}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.log.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/{deployment}/log",
    scopes: ["site:manage-deploys"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.status.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/status",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.script.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/script",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.script.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/script",
    scopes: ["site:manage-deploys"],
    mode: "sync",
  },
  "organizations.servers.sites.deployments.push-to-deploy.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/push-to-deploy",
    scopes: ["site:manage-deploys"],
    mode: "async",
  },
  "organizations.servers.sites.deployments.push-to-deploy.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments/push-to-deploy",
    scopes: ["site:manage-deploys"],
    mode: "async",
  },
  "organizations.servers.database.schemas.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/database/schemas",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.database.schemas.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/database/schemas",
    scopes: ["server:create-databases"],
    mode: "async",
  },
  "organizations.servers.database.schemas.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/database/schemas/{database}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.database.schemas.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/database/schemas/{database}",
    scopes: ["server:delete-databases"],
    mode: "async",
  },
  "organizations.servers.database.users.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/database/users",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.database.users.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/database/users",
    scopes: ["server:create-databases"],
    mode: "async",
  },
  "organizations.servers.database.users.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/database/users/{databaseUser}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.database.users.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/database/users/{databaseUser}",
    scopes: ["server:create-databases"],
    mode: "async",
  },
  "organizations.servers.database.users.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/database/users/{databaseUser}",
    scopes: ["server:delete-databases"],
    mode: "async",
  },
  "organizations.servers.background-processes.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/background-processes",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.background-processes.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/background-processes",
    scopes: ["server:create-daemons"],
    mode: "async",
  },
  "organizations.servers.background-processes.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/background-processes/{backgroundProcess}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.background-processes.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/background-processes/{backgroundProcess}",
    scopes: ["server:delete-daemons"],
    mode: "async",
  },
  "organizations.servers.background-processes.actions.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/background-processes/{backgroundProcess}/actions",
    scopes: ["server:create-daemons"],
    mode: "async",
    // Supervisor's restart, start or stop ends in the same state however often it ran.
    repeatable: true,
  },
  "organizations.servers.sites.security-rules.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules",
    scopes: ["site:manage-security"],
    mode: "sync",
  },
  "organizations.servers.sites.security-rules.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules",
    scopes: ["site:manage-security"],
    mode: "async",
  },
  "organizations.servers.sites.security-rules.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules/{securityRule}",
    scopes: ["site:manage-security"],
    mode: "sync",
  },
  "organizations.servers.sites.security-rules.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules/{securityRule}",
    scopes: ["site:manage-security"],
    mode: "async",
  },
  "organizations.servers.sites.security-rules.destroy": {
    method: "DELETE",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules/{securityRule}",
    scopes: ["site:manage-security"],
    mode: "async",
  },
  "organizations.servers.sites.commands.index": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/commands",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.commands.store": {
    method: "POST",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/commands",
    scopes: ["site:manage-commands"],
    mode: "async",
  },
  "organizations.servers.sites.commands.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/commands/{command}",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.commands.output.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/commands/{command}/output",
    scopes: ["server:view"],
    mode: "sync",
  },
  "organizations.servers.sites.healthcheck.show": {
    method: "GET",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/healthcheck",
    scopes: ["site:manage-project"],
    mode: "sync",
  },
  "organizations.servers.sites.healthcheck.update": {
    method: "PUT",
    path: "/orgs/{organization}/servers/{server}/sites/{site}/healthcheck",
    scopes: ["site:manage-project"],
    mode: "sync",
  },
} as const satisfies Record<string, ForgeOperation>;

export interface ForgeOperation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  scopes: readonly string[];
  mode: "sync" | "async";
  /** A POST that may be sent again after a 5xx or a lost answer, as other methods are: running it twice does no harm. */
  repeatable?: true;
}

export type ForgeOperationId = keyof typeof FORGE_OPERATIONS;

type PlaceholderNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PlaceholderNames<Rest>
  : never;

/**
 * The numeric ids an operation's path needs, e.g. `{ server: number; site: number }`. The organization
 * slug is filled from the client, so it is not listed here.
 */
export type OperationPathParams<Op extends ForgeOperationId> = {
  [K in Exclude<PlaceholderNames<(typeof FORGE_OPERATIONS)[Op]["path"]>, "organization">]: number;
};

export function scopesFor(operation: ForgeOperationId): readonly string[] {
  return FORGE_OPERATIONS[operation].scopes;
}
