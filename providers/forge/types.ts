/**
 * Wire types: the JSON that Forge's new API (`/api/orgs/{org}/...`) sends and accepts, in Forge's own
 * snake_case, as described by `/work/shared/forge/openapi.yaml`. The client decodes these into the
 * camelCase domain values of each area file; the simulator may import this file to speak the same shapes.
 */

/**
 * A string enum Forge may extend without notice (another client already sees a `unhealthy` site status
 * that the spec lacks), so unknown values pass through instead of failing a whole deployment.
 */
export type OpenEnum<T extends string> = T | (string & NonNullable<unknown>);

// ---- JSON:API envelopes -------------------------------------------------------------------------

export interface JsonApiResourceIdentifier {
  type: string;
  id: string;
}

export interface JsonApiRelationship {
  data: JsonApiResourceIdentifier | JsonApiResourceIdentifier[] | null;
}

export interface JsonApiResource<TType extends string = string, TAttributes = Record<string, unknown>> {
  id: string;
  type: TType;
  attributes?: TAttributes;
  relationships?: Record<string, JsonApiRelationship>;
  links?: { self?: { href: string } | string };
}

export interface JsonApiDocument<TResource> {
  data: TResource;
  included?: JsonApiResource[];
}

export interface CursorMeta {
  path: string | null;
  per_page: number;
  next_cursor: string | null;
  prev_cursor: string | null;
}

export interface JsonApiPage<TResource> {
  data: TResource[];
  links?: { first?: string; last?: string; prev?: string; next?: string };
  meta: CursorMeta;
  included?: JsonApiResource[];
}

/** Body of a 422 (Laravel validation). */
export interface ValidationErrorBody {
  message: string;
  errors: Record<string, string[]>;
}

/** Body of 401/403/404/429/5xx responses. */
export interface MessageErrorBody {
  message: string;
}

// ---- Enums ---------------------------------------------------------------------------------------

export const SITE_TYPES = [
  "laravel",
  "symfony",
  "statamic",
  "wordpress",
  "phpmyadmin",
  "php",
  "nextjs",
  "nuxtjs",
  "static-html",
  "other",
  "custom",
] as const;
export type SiteType = (typeof SITE_TYPES)[number];

export const SITE_STATUSES = [
  "installed",
  "creating",
  "removing",
  "installing",
  "uninstalling",
  "deployed",
  "never-deployed",
  "deploying",
  "failed",
  "maintenance",
] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];

export const PHP_VERSIONS = [
  "php5",
  "php56-old",
  "php56",
  "php70",
  "php71",
  "php72",
  "php73",
  "php74",
  "php80",
  "php81",
  "php82",
  "php83",
  "php84",
  "php85",
] as const;
export type PhpVersion = (typeof PHP_VERSIONS)[number];

export type DomainMode = "on-forge" | "custom";
export type WwwRedirectType = "from-www" | "to-www" | "none";
export type SourceControlProvider = "github" | "gitlab" | "bitbucket" | "gitlab-custom" | "custom";
export type RepositoryStatus = "installed" | "installing" | "removing";

export const DOMAIN_RECORD_STATUSES = [
  "pending",
  "connecting",
  "enabled",
  "removing",
  "securing",
  "updating",
  "disabling",
  "disabled",
  "enabling",
] as const;
export type DomainRecordStatus = (typeof DOMAIN_RECORD_STATUSES)[number];
export type DomainRecordType = "primary" | "alias";
export type DomainRecordAction = "enable" | "disable" | "mark-as-primary";

export type CertificateType = "letsencrypt" | "csr" | "existing";
export type CertificateVerificationMethod = "http-01" | "dns-01";
export type CertificateKeyType = "ecdsa" | "rsa";
export type CertificateRequestStatus = "verifying" | "creating" | "created";
/** `ResourceState` in the spec; certificates use it for `status`. */
export type ResourceState =
  | "installing"
  | "installed"
  | "removing"
  | "restarting"
  | "stopping"
  | "stopped"
  | "starting"
  | "syncing"
  | "updating"
  | "disabling"
  | "disabled"
  | "enabling"
  | "running"
  | "restoring"
  | "deleting"
  | "failed"
  | "success"
  | "failed-unknown"
  | "failed-runner"
  | "renewing";
export type CertificateAction = "enable" | "disable";

export const DEPLOYMENT_STATUSES = [
  "cancelled",
  "deploying",
  "failed",
  "failed-build",
  "finished",
  "pending",
  "queued",
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export type DatabaseStatus = "installing" | "installed" | "removing";
export type DatabaseUserStatus = "installed" | "updating" | "installing" | "removing";

export type BackgroundProcessStatus =
  | "installing"
  | "installed"
  | "removing"
  | "restarting"
  | "starting"
  | "stopping"
  | "running"
  | "stopped"
  | "backoff"
  | "exited"
  | "fatal"
  | "unknown";
export type BackgroundProcessUser = "root" | "forge";
export type BackgroundProcessAction = "restart" | "stop" | "start" | "empty-log";

export type CommandStatus = "waiting" | "running" | "finished" | "timeout" | "failed";

// ---- Resource attributes (responses) ------------------------------------------------------------

export interface OrganizationAttributes {
  name: string;
  slug: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface ServerAttributes {
  id: number;
  name: string;
  slug: string;
  type: string;
  provider: string;
  region: string;
  size: string;
  ubuntu_version: string | null;
  ssh_port: number;
  php_version: string | null;
  php_cli_version: string | null;
  database_type: string | null;
  ip_address: string | null;
  private_ip_address: string | null;
  revoked: boolean;
  connection_status: string;
  is_ready: boolean;
  created_at: string;
  updated_at: string;
}

export interface SiteRepositoryAttributes {
  provider: string;
  url: string | null;
  branch: string | null;
  status: RepositoryStatus | null;
}

export interface SiteAttributes {
  name: string;
  status: SiteStatus;
  url: string;
  user: string;
  https: boolean;
  web_directory: string;
  root_directory: string | null;
  aliases: string[];
  php_version: string;
  deployment_status: string | null;
  quick_deploy: boolean | null;
  isolated: boolean;
  shared_paths: Record<string, string>;
  repository: SiteRepositoryAttributes;
  database: string | null;
  maintenance_mode: { enabled: boolean; status: "disabling" | "enabling" | null };
  zero_downtime_deployments: boolean;
  deployment_script: string | null;
  wildcards: boolean | null;
  app_type: string | null;
  uses_envoyer: boolean;
  deployment_url: string;
  healthcheck_url: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface DomainRecordAttributes {
  name: string;
  type: DomainRecordType;
  status: DomainRecordStatus;
  www_redirect_type: WwwRedirectType;
  allow_wildcard_subdomains: boolean;
  created_at: string;
  updated_at: string;
}

export interface CertificateAttributes {
  type: CertificateType;
  verification_method: CertificateVerificationMethod | null;
  key_type: CertificateKeyType | null;
  preferred_chain: string | null;
  request_status: CertificateRequestStatus;
  status: ResourceState;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface EnvironmentAttributes {
  content: string;
}

export interface DeploymentAttributes {
  commit: { hash: string | null; author: string | null; message: string | null; branch: string | null };
  type: string;
  status: DeploymentStatus;
  started_at: string;
  ended_at: string;
  created_at: string;
  updated_at: string;
}

export interface DeploymentStatusAttributes {
  status: DeploymentStatus | null;
  started_at: string;
}

export interface DeploymentScriptAttributes {
  content: string | null;
  auto_source: boolean;
}

export interface DeploymentOutputAttributes {
  output: string;
}

export interface DatabaseAttributes {
  name: string;
  status: DatabaseStatus;
  created_at: string;
  updated_at: string;
}

export interface DatabaseUserAttributes {
  name: string;
  status: DatabaseUserStatus;
  created_at: string;
  updated_at: string;
}

export interface BackgroundProcessAttributes {
  command: string;
  user: string;
  directory: string | null;
  processes: number;
  status: BackgroundProcessStatus;
  created_at: string;
  updated_at: string;
}

export interface BackgroundProcessLogAttributes {
  content: string;
}

export interface SecurityRuleAttributes {
  name: string;
  path: string | null;
  status: string | null;
  created_at: string;
  updated_at: string;
}

export interface CommandAttributes {
  command: string;
  status: CommandStatus;
  duration: string;
  user_id: number;
  created_at: string;
  updated_at: string;
}

export interface CommandOutputAttributes {
  output: string;
}

export interface HealthcheckEndpointAttributes {
  healthcheck_endpoint: string | null;
}

// Request bodies live in their own file; importing them from here keeps working.
export type * from "./request-bodies";
