import type { DeploymentInputs } from "../../providers/deployment";
import type { ForgeSiteInputs } from "../../providers/forge-site";
import type { HealthCheckInputs } from "../../providers/health-check";
import type { WorkerSettings } from "../../providers/forge-worker/rules";
import type { MasterSnapshotInputs } from "../../providers/master-snapshot";
import type { PreflightInputs } from "../../providers/preflight";

/** A valid ForgeSite of PR 123 of the default app, as check leaves it; tests spread their changes over it. */
export const FORGE_SITE_INPUTS: ForgeSiteInputs = {
  serverId: 1,
  domain: "pr-123.preview.example.com",
  isolatedUser: "pr123",
  phpVersion: "php84",
  webDirectory: "/public",
  repository: "acme/customer-app",
  branch: "feature/login",
  sourceControlProvider: "github",
  pushToDeploy: true,
  ownerTag: "forge-previews-customer-pr-123",
};

/** The same site as a stack passes it, leaving `sourceControlProvider` to its default. */
export const { sourceControlProvider: _defaulted, ...FORGE_SITE_ARGS } = FORGE_SITE_INPUTS;

/** A valid ForgeWorker of PR 12: a queue worker on its isolated site. */
export const FORGE_WORKER_INPUTS = {
  serverId: 1,
  siteId: 12,
  name: "forge-previews-pr-12-worker",
  isolatedUser: "shop-pr12",
  directory: "/home/shop-pr12/pr-12.preview.test",
  phpVersion: "php84",
  connection: "redis",
  queues: "default",
  processes: 1,
  tries: 3,
  timeoutSeconds: 60,
  sleepSeconds: 3,
} satisfies WorkerSettings;

/** A valid Deployment of PR 1's site with nothing to redact. */
export const DEPLOYMENT_INPUTS = {
  serverId: 1,
  siteId: 1001,
  siteDirectory: "/home/forge/pr-1.example.dev",
  branch: "main",
  commitSha: null,
  redeployToken: "",
  phpVersion: "php84",
  extraScriptLines: [],
  redactions: [],
} satisfies DeploymentInputs;

/** A valid HealthCheck of PR 1's site, without basic auth or workers. */
export const HEALTH_CHECK_INPUTS = {
  serverId: 1,
  siteId: 1001,
  url: "https://pr-1.example.dev/up",
  resolve: null,
  auth: null,
  deploymentId: 2001,
  workers: [],
  redactions: [],
} satisfies HealthCheckInputs;

/** A valid Preflight of stack pr-1 of the default app. */
export const PREFLIGHT_INPUTS = {
  stack: "pr-1",
  serverId: 1,
  masterDatabase: "shop_master",
  targetDatabase: "shop_pr_1",
  firstSlot: 2,
  lastSlot: 15,
  redisPort: 6379,
  forgeApiUrl: "https://forge.laravel.com/api",
  forgeOrg: "acme",
  sshHost: "203.0.113.10",
  sshPort: 22,
  sshUser: "forge",
  sshHostKeyFingerprint: "SHA256:" + "A".repeat(43),
} satisfies PreflightInputs;

/** A valid MasterSnapshot of the default app, with no masking. */
export const MASTER_SNAPSHOT_INPUTS = {
  app: "shop",
  productionDatabase: "shop",
  masterDatabase: "shop_master",
  maskingSql: [],
  refreshToken: "t1",
  protectedDatabases: [],
} satisfies MasterSnapshotInputs;

/** The stack config every preview of the program needs: Forge, the preview domain and the server's SSH login. */
export const PREVIEW_STACK_CONFIG = {
  forgeOrg: "acme",
  forgeServerId: "42",
  forgeToken: "forge-token",
  previewDomain: "staging.example.com",
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: "SHA256:" + "B".repeat(43),
  sshPrivateKey: "ssh-key",
};

/** A Deployment of the default branch to a forge-user site `domain`, without a health check or secrets to redact. */
export function deploymentInputs(siteId: number, domain: string): DeploymentInputs {
  return { ...DEPLOYMENT_INPUTS, siteId, siteDirectory: `/home/forge/${domain}` };
}
