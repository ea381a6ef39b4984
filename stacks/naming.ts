/**
 * Every name a preview environment uses, derived from (app, PR number) in one place so the limits of DNS, MySQL,
 * Forge and Linux are applied once. PR numbers repeat across repositories, so every server-side name carries the app.
 */
import { createHash } from "node:crypto";
import { UserError } from "../providers/common/user-error";

/** Limits the names must fit (Forge's own limits are the stricter of Forge and MySQL/Linux). */
export const NAME_LIMITS = {
  dnsLabel: 63,
  databaseName: 63,
  databaseUser: 16,
  linuxUser: 32,
} as const;

/** GitHub PR numbers stay far below this; the cap keeps every name inside NAME_LIMITS. */
export const MAX_PR_NUMBER = 9_999_999;

const APP_NAME = /^[a-z][a-z0-9]{0,19}$/;

export interface PreviewNames {
  app: string;
  pr: number;
  /** Pulumi stack: `pr-<n>` for the default app, `<app>-pr-<n>` otherwise. */
  stack: string;
  /** First DNS label of the site's domain; equal to the stack name. */
  domainLabel: string;
  /** Full site domain under the preview domain. */
  domain: string;
  /** Isolated Linux user that owns the site's files and runs its worker. */
  linuxUser: string;
  /** MySQL schema of the PR. */
  database: string;
  /** MySQL user of the PR, granted on `database` only. */
  databaseUser: string;
  /** Prefix for REDIS_PREFIX; CACHE_PREFIX adds `cache_`. */
  redisPrefix: string;
  /** Forge tag marking objects as owned by this environment. */
  ownerTag: string;
}

export function validatePrNumber(pr: unknown): number {
  const value = typeof pr === "string" && /^\d+$/.test(pr) ? Number(pr) : pr;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PR_NUMBER) {
    throw new UserError(`PR number must be a whole number from 1 to ${MAX_PR_NUMBER}, not ${JSON.stringify(pr)}.`);
  }
  return value;
}

export function validateAppName(app: unknown): string {
  if (typeof app !== "string" || !APP_NAME.test(app)) {
    throw new UserError(
      `App name must be 1-20 lowercase letters and digits starting with a letter, not ${JSON.stringify(app)}; rename it in the \`apps\` config.`,
    );
  }
  return app;
}

/** Short, stable digest of the app name for names too tight to hold it whole. */
function appDigest(app: string, length: number): string {
  return BigInt("0x" + createHash("sha256").update(app).digest("hex").slice(0, 16))
    .toString(36)
    .padStart(length, "0")
    .slice(-length);
}

/**
 * Fits `<app>_pr<n>` into MySQL/Forge's 16-character user limit. When the app does not fit whole, a prefix of it is
 * kept for people to recognise and a 4-character digest of the full name keeps apps with the same prefix apart.
 */
export function buildDatabaseUser(app: string, pr: number): string {
  const suffix = `_pr${pr}`;
  const whole = `${app}${suffix}`;
  if (whole.length <= NAME_LIMITS.databaseUser) return whole;
  const digest = appDigest(app, 4);
  return `${app.slice(0, NAME_LIMITS.databaseUser - suffix.length - digest.length)}${digest}${suffix}`;
}

/** Which preview a stack is: `app` null for the default app. */
export interface PreviewRef {
  app: string | null;
  pr: number;
}

/** The preview's stack: `pr-<n>` for the default app, `<app>-pr-<n>` for any other. */
export function buildStackName(ref: PreviewRef): string {
  return ref.app === null ? `pr-${ref.pr}` : `${ref.app}-pr-${ref.pr}`;
}

/**
 * Stack names `ref` may have when the configuration (which app is the default) is unknown: `<app>-pr-<n>` first, then
 * `pr-<n>`, which is the same app's stack when it is the default one.
 */
export function candidateStackNames(ref: PreviewRef): string[] {
  return ref.app === null ? [buildStackName(ref)] : [buildStackName(ref), buildStackName({ app: null, pr: ref.pr })];
}

export function buildPreviewNames(input: {
  app: string;
  pr: number | string;
  isDefaultApp: boolean;
  previewDomain: string;
}): PreviewNames {
  const app = validateAppName(input.app);
  const pr = validatePrNumber(input.pr);
  const stack = buildStackName({ app: input.isDefaultApp ? null : app, pr });
  return {
    app,
    pr,
    stack,
    domainLabel: stack,
    domain: `${stack}.${input.previewDomain}`,
    linuxUser: `${app}-pr${pr}`,
    database: `${app}_pr_${pr}`,
    databaseUser: buildDatabaseUser(app, pr),
    redisPrefix: `${app}_pr${pr}_`,
    ownerTag: `forge-previews-${app}-pr-${pr}`,
  };
}

/** The queue worker's name (its `--name=` on Forge), which `destroy`'s sweep also looks for. */
export function buildWorkerName(stack: string): string {
  return `forge-previews-${stack}-worker`;
}

export { isPreviewDatabaseName } from "../providers/common/ownership";

export type ParsedStackName = { kind: "preview"; app: string | null; pr: number } | { kind: "snapshots" };

/** Stack names the program accepts; anything else is refused with the valid forms. */
export function parseStackName(stack: string, snapshotsStack = "snapshots"): ParsedStackName {
  if (stack === snapshotsStack) return { kind: "snapshots" };
  const match = /^(?:([a-z][a-z0-9]{0,19})-)?pr-([1-9][0-9]{0,6})$/.exec(stack);
  if (!match) {
    throw new UserError(
      `Stack name ${JSON.stringify(stack)} is not one this project builds. Valid forms: \`pr-<n>\` (the default app), ` +
        `\`<app>-pr-<n>\` (e.g. \`customer-pr-123\`), or \`${snapshotsStack}\` (the weekly snapshot refresh).`,
    );
  }
  return { kind: "preview", app: match[1] ?? null, pr: Number(match[2]) };
}

/**
 * Two configured apps whose database users could coincide for some PR (the 16-character limit forces a digest when an
 * app name is long). Returns the first clashing pair, or null. Config validation refuses such a pair up front.
 */
export function findDatabaseUserClash(apps: readonly string[]): [string, string] | null {
  for (let digits = 1; digits <= String(MAX_PR_NUMBER).length; digits++) {
    const pr = 10 ** (digits - 1);
    const seen = new Map<string, string>();
    for (const app of apps) {
      const user = buildDatabaseUser(app, pr);
      const other = seen.get(user);
      if (other !== undefined) return [other, app];
      seen.set(user, app);
    }
  }
  return null;
}
