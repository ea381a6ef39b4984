/**
 * The pure rules of the BasicAuth resource: accepted inputs, the effective password, what counts as a change, and
 * which existing security rules it may adopt. No Forge calls here: `check` and `diff` also run in preview.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown, isUnknown } from "../runtime";

export interface BasicAuthInputs {
  serverId: number;
  siteId: number;
  /** The security rule's name in Forge; it is the ownership mark (e.g. `forge-previews`). */
  name: string;
  username: string;
  /** A shared password from config, or null for one generated per environment. */
  password: string | null;
}

export interface BasicAuthOutputs {
  serverId: number;
  siteId: number;
  name: string;
  username: string;
  ruleId: number;
  /** The password in force (secret): the shared one, or the one generated at create and kept ever since. */
  password: string;
  /** True when `password` was generated here, so switching to a shared one and back yields a fresh secret. */
  passwordGenerated: boolean;
}

/** The security rule as Forge lists it (credentials are never returned). */
export interface ExistingRule {
  id: number;
  name: string;
  path: string | null;
}

export const MAX_NAME_LENGTH = 255;
export const MAX_USERNAME_LENGTH = 50;
const IDENTITY_FIELDS = ["serverId", "siteId"] as const;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Failure = pulumi.dynamic.CheckFailure;

function checkPositiveInteger(field: string, value: unknown, what: string): Failure[] {
  if (isUnknown(value) || (typeof value === "number" && Number.isSafeInteger(value) && value > 0)) return [];
  return [{ property: field, reason: `\`${field}\` must be a positive integer (${what})` }];
}

function checkName(name: unknown): Failure[] {
  if (isUnknown(name)) return [];
  if (typeof name !== "string" || name.trim() === "" || [...name].length > MAX_NAME_LENGTH || CONTROL.test(name)) {
    return [
      {
        property: "name",
        reason: `\`name\` must be 1-${MAX_NAME_LENGTH} characters without line breaks (the security rule's name in Forge)`,
      },
    ];
  }
  return [];
}

function checkUsername(username: unknown): Failure[] {
  if (isUnknown(username)) return [];
  if (typeof username !== "string" || username === "" || [...username].length > MAX_USERNAME_LENGTH) {
    return [
      { property: "username", reason: `\`username\` must be 1-${MAX_USERNAME_LENGTH} characters (Forge's limit)` },
    ];
  }
  if (username.includes(":") || CONTROL.test(username)) {
    return [
      {
        property: "username",
        reason: "`username` cannot contain `:` or control characters: HTTP basic auth splits on the first `:`",
      },
    ];
  }
  return [];
}

function checkPassword(password: unknown): Failure[] {
  if (isUnknown(password) || password === null) return [];
  if (typeof password !== "string" || password === "") {
    return [
      {
        property: "password",
        reason: "`password` must be a non-empty string, or null to generate one for this environment",
      },
    ];
  }
  if (CONTROL.test(password)) {
    return [{ property: "password", reason: "`password` cannot contain control characters (line breaks, tabs)" }];
  }
  return [];
}

/** Validates raw `news`; reasons never quote the password. A missing password means "generate one". */
export function checkBasicAuthInputs(news: Record<string, unknown>): { inputs: BasicAuthInputs; failures: Failure[] } {
  const { serverId, siteId, name, username } = news;
  const password = news.password ?? null;
  const failures = [
    ...checkPositiveInteger("serverId", serverId, "the Forge server's id"),
    ...checkPositiveInteger("siteId", siteId, "the Forge site's id"),
    ...checkName(name),
    ...checkUsername(username),
    ...checkPassword(password),
  ];
  return { inputs: { serverId, siteId, name, username, password } as BasicAuthInputs, failures };
}

/** 24 URL-safe characters from 18 random bytes: easy to paste into a browser prompt. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/**
 * The password to install: the shared one when config gives it; else the one this environment already generated;
 * else a new one.
 */
export function resolvePassword(
  password: string | null,
  previous: Pick<BasicAuthOutputs, "password" | "passwordGenerated"> | null,
  generate: () => string = generatePassword,
): { password: string; passwordGenerated: boolean } {
  if (password !== null) return { password, passwordGenerated: false };
  if (previous !== null && previous.passwordGenerated && previous.password) {
    return { password: previous.password, passwordGenerated: true };
  }
  return { password: generate(), passwordGenerated: true };
}

function passwordChanged(olds: BasicAuthOutputs, news: BasicAuthInputs): boolean {
  if (isUnknown(news.password)) return true;
  if (news.password === null) return !olds.passwordGenerated;
  return olds.passwordGenerated || news.password !== olds.password;
}

/**
 * Another site means another rule: replace, deleting the old rule first, because a create on the same site would
 * adopt the rule by name and the delete that follows would then remove it. Name and credentials change in place.
 */
export function diffBasicAuth(olds: BasicAuthOutputs, news: BasicAuthInputs): pulumi.dynamic.DiffResult {
  const replaces = IDENTITY_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  const changes =
    replaces.length > 0 ||
    containsUnknown(news) ||
    news.name !== olds.name ||
    news.username !== olds.username ||
    passwordChanged(olds, news);
  return { changes, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 };
}

export type AdoptionDecision =
  { kind: "create" } | { kind: "adopt"; rule: ExistingRule } | { kind: "refuse"; reason: string };

/**
 * Which existing rule create may take over. A rule named `name` is this stack's (the name is the ownership mark) and
 * is adopted. A whole-site rule with another name belongs to someone else, and a second whole-site rule next to it
 * would be ambiguous, so create refuses. Rules that protect only a path are someone else's and are left alone.
 */
export function decideAdoption(rules: readonly ExistingRule[], name: string, siteLabel: string): AdoptionDecision {
  const own = rules.find((rule) => rule.name === name);
  if (own !== undefined) return { kind: "adopt", rule: own };
  const foreign = rules.find((rule) => rule.path === null || rule.path === "" || rule.path === "/");
  if (foreign !== undefined) {
    return {
      kind: "refuse",
      reason:
        `${siteLabel} already has a whole-site security rule ${JSON.stringify(foreign.name)} (id ${foreign.id}) that ` +
        `this stack did not create: its name is not ${JSON.stringify(name)}. Remove it in Forge (the site's Security ` +
        "tab), or give this resource that name to take it over.",
    };
  }
  return { kind: "create" };
}
