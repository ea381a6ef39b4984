import { removeWith, settleWith, type RuleCredential } from "../agent";
import { extend, initialValues, timeline, valuesAt } from "../async-clock";
import { validationError } from "../errors";
import { document, type JsonApiResource } from "../json-api";
import type { SecurityRuleRecord } from "../types";
import { SITE, getRoute, siteResource, beginRemoval, need, touch } from "./context";
import type { RequestContext, RouteDefinition } from "./context";
import { failPendingHttpChallenges } from "./certificates";
import { sha256 } from "./databases";
import { listRoute, statusAt } from "./list";
import { stringField } from "./site-rules";

export function presentSecurityRule(ctx: RequestContext, rule: SecurityRuleRecord, initial = false): JsonApiResource {
  const values = initial ? initialValues(rule.lifecycle) : valuesAt(rule.lifecycle, ctx.now);
  const attributes = {
    name: rule.name,
    path: rule.path,
    status: ctx.services.quirks.securityRuleStatusNull ? null : (values.status ?? null),
  };
  return siteResource(ctx, "securityRules", rule, `security-rules/${rule.id}`, attributes);
}

/**
 * Checks `name` and `credentials`; on update a credential may omit its password to keep the one
 * it has (matched by username), which is how Forge lets clients resend rules without secrets.
 */
function readRule(
  ctx: RequestContext,
  existing: SecurityRuleRecord | null,
): Pick<SecurityRuleRecord, "name" | "path" | "credentials"> {
  const { body } = ctx;
  const errors: Record<string, string[]> = {};
  const name = stringField(body, "name");
  if (name === null || name === "") errors.name = ["The name field is required."];
  else if (name.length > 255) errors.name = ["The name field must not be greater than 255 characters."];
  const path = stringField(body, "path");
  if (path !== null && path.length > 255) errors.path = ["The path field must not be greater than 255 characters."];
  const raw = Array.isArray(body.credentials) ? body.credentials : [];
  if (raw.length === 0)
    errors.credentials = ["The credentials field is required and must hold at least one username and password."];
  const credentials: SecurityRuleRecord["credentials"] = [];
  raw.forEach((entry: unknown, index) => {
    const credential = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
    const username = stringField(credential, "username");
    const password = stringField(credential, "password");
    if (username === null || username === "")
      errors[`credentials.${index}.username`] = [`The credentials.${index}.username field is required.`];
    else if (username.length > 50)
      errors[`credentials.${index}.username`] = [
        `The credentials.${index}.username field must not be greater than 50 characters.`,
      ];
    const kept = existing?.credentials.find((item) => item.username === username);
    if ((password === null || password === "") && kept === undefined)
      errors[`credentials.${index}.password`] = [`The credentials.${index}.password field is required.`];
    if (username !== null)
      credentials.push({ username, passwordSha256: password ? sha256(password) : (kept?.passwordSha256 ?? "") });
  });
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { name: name as string, path: path === "" ? null : path, credentials };
}

/** The credentials as sent, passwords included, for a host that writes them into its own password file. */
function sentCredentials(body: Record<string, unknown>): RuleCredential[] {
  return (Array.isArray(body.credentials) ? body.credentials : []).map((entry: unknown) => {
    const credential = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
    const password = stringField(credential, "password");
    return { username: String(credential.username), ...(password ? { password } : {}) };
  });
}

/** Hands the rule to the host; while the host works, the rule keeps the status it has. */
function installOnHost(ctx: RequestContext, rule: SecurityRuleRecord): void {
  const site = need(ctx.found.site, "site");
  const work = ctx.services.agent.securityRuleInstalled(site, rule, sentCredentials(ctx.body));
  if (work !== null)
    settleWith(ctx.services.settling, rule.lifecycle, work, () => ({ status: "installed" }), { status: "failed" });
}

function createRule(ctx: RequestContext): { status: number; body: unknown } {
  const site = need(ctx.found.site, "site");
  const { now, services } = ctx;
  const fields = readRule(ctx, null);
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const rule: SecurityRuleRecord = {
    id: services.store.nextId(),
    siteId: site.id,
    ...fields,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "installing" }, [
      services.clock.duration("securityRule"),
      { status: failed ? "failed" : "installed" },
    ]),
  };
  services.store.data.securityRules.push(rule);
  if (!failed) installOnHost(ctx, rule);
  // Let's Encrypt's http-01 check of a certificate still being verified now meets the rule's 401.
  if (services.quirks.acmeBlockedByBasicAuth && rule.path === null) failPendingHttpChallenges(ctx, site);
  return { status: 202, body: document(presentSecurityRule(ctx, rule, true)) };
}

function updateRule(ctx: RequestContext): { status: number } {
  const rule = need(ctx.found.securityRule, "securityRule");
  Object.assign(rule, readRule(ctx, rule));
  extend(rule.lifecycle, ctx.now, { status: "updating" }, [
    ctx.services.clock.duration("securityRule"),
    { status: "installed" },
  ]);
  touch(rule, ctx.now);
  installOnHost(ctx, rule);
  return { status: 202 };
}

function deleteRule(ctx: RequestContext): { status: number } {
  const rule = need(ctx.found.securityRule, "securityRule");
  if (rule.lifecycle.goneAt === null) {
    beginRemoval(ctx, rule.lifecycle);
    const work = ctx.services.agent.securityRuleRemoved(need(ctx.found.site, "site"), rule);
    if (work !== null) removeWith(ctx.services.settling, rule.lifecycle, work);
  }
  return { status: 202 };
}

export const securityRuleRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SITE}/security-rules`,
    scope: "site:manage-security",
    items: (ctx) =>
      ctx.services.store.data.securityRules.filter((item) => item.siteId === need(ctx.found.site, "site").id),
    present: presentSecurityRule,
    filters: {
      path: (rule, value) => rule.path === value,
      status: (rule, value, ctx) => statusAt(rule, ctx) === value,
    },
    sorts: {
      path: (rule) => rule.path ?? "",
      status: statusAt,
      created_at: (rule) => rule.createdAt,
      updated_at: (rule) => rule.updatedAt,
    },
  }),
  { method: "post", template: `${SITE}/security-rules`, scope: "site:manage-security", handler: createRule },
  getRoute(`${SITE}/security-rules/{securityRule}`, "site:manage-security", (ctx) =>
    presentSecurityRule(ctx, need(ctx.found.securityRule, "securityRule")),
  ),
  {
    method: "put",
    template: `${SITE}/security-rules/{securityRule}`,
    scope: "site:manage-security",
    handler: updateRule,
  },
  {
    method: "delete",
    template: `${SITE}/security-rules/{securityRule}`,
    scope: "site:manage-security",
    handler: deleteRule,
  },
];
