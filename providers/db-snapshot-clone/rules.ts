/**
 * Pure rules of the DbSnapshotClone resource: input checks and the diff. No server access, so both stay
 * side-effect free during preview and tolerate the preview's unknown values.
 */
import type * as pulumi from "@pulumi/pulumi";
import { findNameProblems, REQUESTED_METHODS, type RequestedMethod } from "../db-clone";
import { isPreviewDatabaseName } from "../common/ownership";
import { containsUnknown, isUnknown } from "../runtime";

export interface DbSnapshotCloneInputs {
  /** The app whose master is cloned; the target must be this app's PR database. */
  app: string;
  /** The master (snapshot) database to clone. */
  source: string;
  /** The PR database, created by ForgeDatabase (pass its `name` output so it exists first). */
  target: string;
  method: RequestedMethod;
  /** SQL scripts run in the clone after verification, in order (masking, anonymisation). */
  postCloneSql: string[];
  /** Changing it (to anything) replaces the clone with a fresh copy of the master; nothing else does. */
  resetToken: string;
  /** Written into the clone mark; only a database empty or marked with this tag is ever overwritten. */
  ownerTag: string;
  /** Production databases and snapshot masters: never a target. */
  protectedDatabases: string[];
  /** Compare `CHECKSUM TABLE` of every table after the copy, not only row counts (reads both databases fully). */
  verifyChecksums: boolean;
}

export const PREVIEW_TARGET_RULE = "a preview database name `<app>_pr_<n>`";

const APP = /^[a-z][a-z0-9]{0,19}$/;
const OWNER_TAG = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

type Failure = pulumi.dynamic.CheckFailure;

function isStringList(value: unknown): boolean {
  return (
    isUnknown(value) || (Array.isArray(value) && value.every((item) => isUnknown(item) || typeof item === "string"))
  );
}

// Stand-ins for a value the preview does not know yet: valid, and unequal to anything real, so only the known
// field's own problems are reported (create checks again with every value known).
const UNKNOWN_SOURCE = "unknown_source";
const UNKNOWN_TARGET = "unknown_pr_1";

function checkNames(inputs: Record<string, unknown>): Failure[] {
  const { app, source, target, protectedDatabases } = inputs;
  const failures: Failure[] = [];
  if (!isUnknown(source) && typeof source !== "string")
    failures.push({ property: "source", reason: "`source` must be the master database's name" });
  if (!isUnknown(target) && typeof target !== "string")
    failures.push({ property: "target", reason: "`target` must be the PR database's name" });
  if (failures.length > 0 || (isUnknown(source) && isUnknown(target))) return failures;
  const protectedList = Array.isArray(protectedDatabases)
    ? protectedDatabases.filter((p): p is string => typeof p === "string" && !isUnknown(p))
    : [];
  for (const problem of findNameProblems({
    source: isUnknown(source) ? UNKNOWN_SOURCE : (source as string),
    target: isUnknown(target) ? UNKNOWN_TARGET : (target as string),
    protectedDatabases: protectedList,
    isAllowedTarget: isPreviewDatabaseName,
    targetRule: PREVIEW_TARGET_RULE,
  })) {
    const property = problem.startsWith("source") ? "source" : "target";
    if (isUnknown(inputs[property])) continue;
    failures.push({ property, reason: problem.replace(/^(source|target) database/, "`$1` database") });
  }
  if (
    typeof app === "string" &&
    APP.test(app) &&
    typeof target === "string" &&
    !isUnknown(target) &&
    isPreviewDatabaseName(target) &&
    !target.startsWith(`${app}_pr_`)
  ) {
    failures.push({
      property: "target",
      reason: `\`target\` ${JSON.stringify(target)} is not a PR database of app \`${app}\` (\`${app}_pr_<n>\`)`,
    });
  }
  return failures;
}

/** `check`: defaults applied and every problem, each naming its field. */
export function checkDbSnapshotCloneInputs(news: Record<string, unknown>): {
  inputs: DbSnapshotCloneInputs;
  failures: Failure[];
} {
  const inputs = {
    app: news.app,
    source: news.source,
    target: news.target,
    method: news.method ?? "auto",
    postCloneSql: news.postCloneSql ?? [],
    resetToken: news.resetToken ?? "",
    ownerTag: news.ownerTag,
    protectedDatabases: news.protectedDatabases ?? [],
    verifyChecksums: news.verifyChecksums ?? true,
  };
  const failures: Failure[] = [];
  if (!isUnknown(inputs.app) && (typeof inputs.app !== "string" || !APP.test(inputs.app))) {
    failures.push({
      property: "app",
      reason: "`app` must be 1-20 lower-case letters and digits, starting with a letter",
    });
  }
  failures.push(...checkNames(inputs));
  if (!isUnknown(inputs.method) && !REQUESTED_METHODS.includes(inputs.method as RequestedMethod)) {
    failures.push({
      property: "method",
      reason: `\`method\` must be one of ${REQUESTED_METHODS.map((m) => `\`${m}\``).join(", ")}`,
    });
  }
  if (!isStringList(inputs.postCloneSql)) {
    failures.push({ property: "postCloneSql", reason: "`postCloneSql` must be a list of SQL scripts (strings)" });
  }
  if (!isUnknown(inputs.resetToken) && typeof inputs.resetToken !== "string") {
    failures.push({ property: "resetToken", reason: "`resetToken` must be a string; change it to get a fresh clone" });
  }
  if (!isUnknown(inputs.ownerTag) && (typeof inputs.ownerTag !== "string" || !OWNER_TAG.test(inputs.ownerTag))) {
    failures.push({
      property: "ownerTag",
      reason: "`ownerTag` must be the preview's owner tag (letters, digits, `.`, `_`, `:`, `-`; up to 255)",
    });
  }
  if (!isStringList(inputs.protectedDatabases)) {
    failures.push({ property: "protectedDatabases", reason: "`protectedDatabases` must be a list of database names" });
  }
  if (!isUnknown(inputs.verifyChecksums) && typeof inputs.verifyChecksums !== "boolean") {
    failures.push({ property: "verifyChecksums", reason: "`verifyChecksums` must be a boolean" });
  }
  return { inputs: inputs as DbSnapshotCloneInputs, failures };
}

/**
 * What a different value means. These replace the clone (a fresh copy over the PR's data): another source, target,
 * app or owner, or a new reset token. A newer master does not show up here at all, so it never wipes a PR's data.
 */
export const REPLACE_FIELDS = ["app", "source", "target", "resetToken", "ownerTag"] as const;
/** These only change what the next fresh clone does (method, scripts, verification) or what is refused. */
export const UPDATE_FIELDS = ["method", "postCloneSql", "protectedDatabases", "verifyChecksums"] as const;

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffDbSnapshotClone(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces = REPLACE_FIELDS.filter((field) => isUnknown(news[field]) || !sameValue(news[field], olds[field]));
  const updates = UPDATE_FIELDS.filter((field) => containsUnknown(news[field]) || !sameValue(news[field], olds[field]));
  // The old clone's delete touches no data and the new one overwrites the same database, so order only matters for
  // the leftovers the delete removes: do it first.
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces: [...replaces],
    deleteBeforeReplace: replaces.length > 0,
  };
}
