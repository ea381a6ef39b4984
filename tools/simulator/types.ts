/** Plain, JSON-safe records the simulator keeps. Timestamps are epoch milliseconds. */

/** One step of an asynchronous object's life: from `at` on, these attribute values apply. */
export interface LifecycleStep {
  at: number;
  values: Record<string, string | boolean>;
}

/** A timeline of attribute values; the object disappears (404) from `goneAt` on. */
export interface Lifecycle {
  steps: LifecycleStep[];
  goneAt: number | null;
}

export interface ServerRecord {
  id: number;
  name: string;
  phpVersion: string;
  databaseType: string;
  createdAt: number;
}

export interface SiteRecord {
  id: number;
  serverId: number;
  name: string;
  type: string;
  phpVersion: string;
  isolated: boolean;
  user: string;
  webDirectory: string;
  rootDirectory: string;
  zeroDowntime: boolean;
  pushToDeploy: boolean;
  repository: { provider: string; url: string | null; branch: string | null } | null;
  databaseId: number | null;
  wildcards: boolean;
  wwwRedirectType: string;
  tags: string[];
  sharedPaths: Record<string, string>;
  healthcheckUrl: string | null;
  deployHookToken: string;
  deploymentScript: string;
  autoSource: boolean;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface DomainRecord {
  id: number;
  siteId: number;
  name: string;
  type: "primary" | "alias";
  wwwRedirectType: string;
  allowWildcardSubdomains: boolean;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface CertificateRecord {
  id: number;
  siteId: number;
  domainId: number;
  type: string;
  verificationMethod: string | null;
  keyType: string | null;
  preferredChain: string | null;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface DatabaseRecord {
  id: number;
  serverId: number;
  name: string;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface DatabaseUserRecord {
  id: number;
  serverId: number;
  name: string;
  /** A SHA-256 of the password, so tests can check which password was set without the state holding it. */
  passwordSha256: string;
  readOnly: boolean;
  databaseIds: number[];
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface BackgroundProcessRecord {
  id: number;
  serverId: number;
  siteId: number | null;
  name: string;
  command: string;
  user: string;
  directory: string | null;
  processes: number;
  startsecs: number | null;
  stopwaitsecs: number | null;
  stopsignal: string | null;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface SecurityRuleRecord {
  id: number;
  siteId: number;
  name: string;
  path: string | null;
  credentials: Array<{ username: string; passwordSha256: string }>;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface DeploymentRecord {
  id: number;
  siteId: number;
  branch: string | null;
  log: string;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

export interface CommandRecord {
  id: number;
  siteId: number;
  command: string;
  userId: number;
  output: string;
  createdAt: number;
  updatedAt: number;
  lifecycle: Lifecycle;
}

/** Everything the simulator stores; `environments` maps a site id to its raw `.env` text. */
export interface StoreData {
  version: 1;
  nextId: number;
  servers: ServerRecord[];
  sites: SiteRecord[];
  domains: DomainRecord[];
  certificates: CertificateRecord[];
  databases: DatabaseRecord[];
  databaseUsers: DatabaseUserRecord[];
  backgroundProcesses: BackgroundProcessRecord[];
  securityRules: SecurityRuleRecord[];
  deployments: DeploymentRecord[];
  commands: CommandRecord[];
  environments: Record<string, string>;
  /** Isolated Linux users left on a server by deleted sites (the `isolatedUserOutlivesSite` quirk). */
  leftoverUsers: Array<{ serverId: number; name: string }>;
  /**
   * Let's Encrypt's own record of what it issued (quirk `letsEncryptDuplicateLimit`), kept when sites and their
   * certificates are deleted, as Let's Encrypt keeps counting them. Absent in state files written before it.
   */
  letsEncryptIssuances?: LetsEncryptIssuance[];
}

export interface LetsEncryptIssuance {
  /** The certificate's names, sorted and joined with commas: Let's Encrypt's "identical name set". */
  names: string;
  at: number;
  certificateId: number;
}

/** A record as `state()` shows it: the stored fields plus the attribute values in force now. */
export type Observed<T extends { lifecycle: Lifecycle }> = Omit<T, "lifecycle"> & {
  status: string;
  values: Record<string, string | boolean>;
};

export interface SimulatorState {
  servers: ServerRecord[];
  sites: Array<Observed<SiteRecord> & { sandboxPath: string | null }>;
  domains: Array<Observed<DomainRecord>>;
  certificates: Array<Observed<CertificateRecord>>;
  databases: Array<Observed<DatabaseRecord>>;
  databaseUsers: Array<Observed<DatabaseUserRecord>>;
  backgroundProcesses: Array<Observed<BackgroundProcessRecord>>;
  securityRules: Array<Observed<SecurityRuleRecord>>;
  deployments: Array<Observed<DeploymentRecord>>;
  commands: Array<Observed<CommandRecord>>;
  environments: Record<string, string>;
  leftoverUsers: StoreData["leftoverUsers"];
}

export interface RecordedRequest {
  method: string;
  /** Path below the API base (`/orgs/acme/...`); requests outside `/api` keep their full path. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** The route template that matched, e.g. `/orgs/{organization}/servers/{server}/sites`. */
  route?: string;
  /** Top-level JSON body keys; values are never recorded because they carry passwords and `.env` text. */
  bodyKeys?: string[];
  /** Set when a `lostAnswer` fault carried the request out and then kept its answer from the client. */
  lostAnswer?: LostAnswer;
}

/**
 * How a carried-out request's answer is lost: `timeout` holds it unanswered (for `delayMs`, else until the client
 * gives up), `reset` drops the connection, `server-error` answers `status` (default 500) instead of the real answer.
 */
export type LostAnswer = "timeout" | "reset" | "server-error";

export interface FaultSpec {
  method?: string;
  /** An exact path below `/api`, a route template containing `{…}`, or a RegExp tested against the path. */
  path: string | RegExp;
  status?: number;
  /** How many matching requests the fault applies to; default 1. */
  times?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
  /** The asynchronous object the matching request creates ends in its failure state. */
  asyncOutcome?: "failed";
  /** The request is carried out (a create creates its object), then its answer never reaches the client. */
  lostAnswer?: LostAnswer;
}
