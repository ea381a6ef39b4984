import type { DeploymentInputs } from "../../providers/deployment";
import type { ForgeSiteInputs } from "../../providers/forge-site";

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

/** A Deployment of the default branch to a forge-user site `domain`, without a health check or secrets to redact. */
export function deploymentInputs(siteId: number, domain: string): DeploymentInputs {
  return {
    serverId: 1,
    siteId,
    siteDirectory: `/home/forge/${domain}`,
    branch: "main",
    commitSha: null,
    redeployToken: "",
    phpVersion: "php84",
    extraScriptLines: [],
    healthUrl: null,
    healthAuth: null,
    redactions: [],
  };
}
