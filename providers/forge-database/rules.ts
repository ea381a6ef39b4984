/**
 * Pure rules of the ForgeDatabase resource: which names it may touch, how its inputs are checked and how a change
 * is classified. No Forge calls here, so `check` and `diff` stay side-effect free during preview.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isPreviewDatabaseName } from "../common/ownership";
import { containsUnknown, isUnknown } from "../runtime";

export interface ForgeDatabaseInputs {
  serverId: number;
  /** The PR's schema, `<app>_pr_<n>`. */
  name: string;
  /** The PR's MySQL user, `<app>_pr<n>` (at most 16 characters), granted on `name` only. */
  userName: string;
  /** Production databases and snapshot masters: never created, adopted, granted or dropped. */
  protectedDatabases: string[];
}

/** Forge's (and MySQL 5.7's) limit on database user names. */
export const MAX_USER_NAME_LENGTH = 16;

/** User names only a preview can have, as stacks/naming.ts builds them: `<app or prefix+digest>_pr<n>`. */
const PREVIEW_USER_NAME = /^[a-z][a-z0-9]*_pr([1-9][0-9]{0,6})$/;
const PREVIEW_DATABASE_PR = /_pr_([1-9][0-9]{0,6})$/;

export function isPreviewDatabaseUserName(name: string): boolean {
  return name.length <= MAX_USER_NAME_LENGTH && PREVIEW_USER_NAME.test(name);
}

/** The PR number a preview database or user name belongs to, or null for any other name. */
export function prNumberOf(name: string, kind: "database" | "user"): number | null {
  const match = (kind === "database" ? PREVIEW_DATABASE_PR : PREVIEW_USER_NAME).exec(name);
  return match ? Number(match[1]) : null;
}

const DATABASE_NAME_HINT =
  "a preview database name `<app>_pr_<n>` (app: a lower-case letter, then up to 19 letters or digits)";
const USER_NAME_HINT = `a preview user name \`<app>_pr<n>\` of at most ${MAX_USER_NAME_LENGTH} characters`;
const NEVER_PRODUCTION = "production is never a target";

/**
 * Why `inputs` may not be created, adopted or dropped, one problem per field; empty when they may. Fields holding the
 * preview unknown are skipped: `create` and `delete` run this again with every value known.
 */
export function findOwnershipProblems(inputs: Record<string, unknown>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const protectedList = inputs.protectedDatabases;
  const isProtected = (value: string): boolean =>
    Array.isArray(protectedList) && protectedList.some((item) => item === value);
  const { name, userName } = inputs;
  if (!isUnknown(name)) {
    if (typeof name !== "string" || !isPreviewDatabaseName(name)) {
      failures.push({
        property: "name",
        reason: `\`name\` must be ${DATABASE_NAME_HINT}, not ${JSON.stringify(name)}: only names in that namespace belong to a preview, and ${NEVER_PRODUCTION}`,
      });
    } else if (isProtected(name)) {
      failures.push({
        property: "name",
        reason: `\`name\` ${JSON.stringify(name)} is listed in \`protectedDatabases\` (a production database or snapshot master); ${NEVER_PRODUCTION}`,
      });
    }
  }
  if (!isUnknown(userName)) {
    if (typeof userName !== "string" || !isPreviewDatabaseUserName(userName)) {
      failures.push({
        property: "userName",
        reason: `\`userName\` must be ${USER_NAME_HINT}, not ${JSON.stringify(userName)}: only names in that namespace belong to a preview`,
      });
    } else if (isProtected(userName)) {
      failures.push({
        property: "userName",
        reason: `\`userName\` ${JSON.stringify(userName)} is listed in \`protectedDatabases\`; ${NEVER_PRODUCTION}`,
      });
    } else if (
      typeof name === "string" &&
      isPreviewDatabaseName(name) &&
      prNumberOf(name, "database") !== prNumberOf(userName, "user")
    ) {
      failures.push({
        property: "userName",
        reason: `\`userName\` ${JSON.stringify(userName)} belongs to another pull request than \`name\` ${JSON.stringify(name)}; pass the names buildPreviewNames gives for one PR`,
      });
    }
  }
  return failures;
}

function checkServerId(value: unknown): pulumi.dynamic.CheckFailure[] {
  if (isUnknown(value) || (typeof value === "number" && Number.isSafeInteger(value) && value > 0)) return [];
  return [{ property: "serverId", reason: "`serverId` must be the Forge server's id, a positive whole number" }];
}

function checkProtectedList(value: unknown): pulumi.dynamic.CheckFailure[] {
  if (
    isUnknown(value) ||
    (Array.isArray(value) && value.every((item) => isUnknown(item) || typeof item === "string"))
  ) {
    return [];
  }
  return [
    {
      property: "protectedDatabases",
      reason: "`protectedDatabases` must be a list of database names (production databases and snapshot masters)",
    },
  ];
}

/** `check`: the inputs as create receives them, and every problem, each naming its field. */
export function checkForgeDatabaseInputs(news: Record<string, unknown>): {
  inputs: ForgeDatabaseInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const protectedDatabases = news.protectedDatabases ?? [];
  const inputs = { serverId: news.serverId, name: news.name, userName: news.userName, protectedDatabases };
  const failures = [
    ...checkServerId(inputs.serverId),
    ...findOwnershipProblems(inputs),
    ...checkProtectedList(protectedDatabases),
  ];
  return { inputs: inputs as ForgeDatabaseInputs, failures };
}

/** The fields that name the object on Forge: changing one means another schema and user. */
export const IDENTITY_FIELDS = ["serverId", "name", "userName"] as const;

function sameNames(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  const sorted = (list: unknown[]): string => JSON.stringify(list.map(String).sort());
  return sorted(a) === sorted(b);
}

/**
 * `diff`: identity changes replace, deleting first because the new schema may take the same name; a changed
 * protected list is an in-place update; so is a missing user (`userId` null after a partial failure or a refresh that
 * found it gone), which update recreates.
 */
export function diffForgeDatabase(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces = IDENTITY_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  const protectedChanged =
    containsUnknown(news.protectedDatabases) || !sameNames(olds.protectedDatabases, news.protectedDatabases ?? []);
  const userMissing = olds.userId === null || olds.userId === undefined;
  return {
    changes: replaces.length > 0 || protectedChanged || userMissing,
    replaces: [...replaces],
    deleteBeforeReplace: replaces.length > 0,
  };
}
