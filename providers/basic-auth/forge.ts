/**
 * Waits on a Forge security rule, which installs, updates and removes asynchronously (each write answers 202).
 */
import { type ForgeClient, ForgeNotFoundError, type SecurityRule, waitDone, waitFor, waitPending } from "../forge";
import { pollPacing, waitUntilGone } from "../runtime";

export interface RuleRef {
  serverId: number;
  siteId: number;
  ruleId: number;
}

/** nginx reloads in seconds; a rule still not installed after this is stuck. */
const RULE_TIMEOUT_MS = 180_000;

export function describeRule({ serverId, siteId, ruleId }: RuleRef): string {
  return `security rule ${ruleId} on site ${siteId} (server ${serverId})`;
}

/** The rule, or null when Forge answers 404 (it, its site or its server is gone). */
export async function findRule(client: ForgeClient, ref: RuleRef): Promise<SecurityRule | null> {
  try {
    return await client.securityRules.get(ref.serverId, ref.siteId, ref.ruleId);
  } catch (error) {
    if (error instanceof ForgeNotFoundError) return null;
    throw error;
  }
}

/** Whether the site's list of security rules holds the rule. */
async function isListed(client: ForgeClient, ref: RuleRef): Promise<boolean> {
  return (
    (await client.securityRules.list(ref.serverId, ref.siteId).find((rule) => rule.id === ref.ruleId)) !== undefined
  );
}

/**
 * Polls until the rule is `installed`; a `failed` rule or one that vanished ends the wait with an error. The spec
 * makes `status` nullable, and a Forge that reports null may never report anything else, so a null-status rule that
 * the site's rule list holds counts as installed rather than being waited on.
 */
export async function waitRuleInstalled(client: ForgeClient, ref: RuleRef): Promise<SecurityRule> {
  return waitFor(
    async () => {
      const rule = await findRule(client, ref);
      if (rule === null) throw new Error(`${describeRule(ref)} disappeared while it was being installed`);
      if (rule.status === "installed") return waitDone(rule);
      if (rule.status === null && (await isListed(client, ref))) return waitDone(rule);
      if (rule.status === "failed") {
        throw new Error(
          `${describeRule(ref)} ended \`failed\`: Forge could not install the basic auth; check the site's Security tab ` +
            "and the server's nginx log, then run again",
        );
      }
      return waitPending(rule.status);
    },
    { what: `${describeRule(ref)} to be installed`, timeoutMs: RULE_TIMEOUT_MS, ...pollPacing() },
  );
}

/** Polls until Forge answers 404 for the rule. */
export async function waitRuleGone(client: ForgeClient, ref: RuleRef): Promise<void> {
  await waitUntilGone(client, () => findRule(client, ref), { subject: describeRule(ref), timeoutMs: RULE_TIMEOUT_MS });
}
