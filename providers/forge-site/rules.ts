/**
 * Pure rules of the `forge:Site` resource: which inputs are valid (`check`) and which changes replace the site
 * (`diff`). Nothing here calls Forge, so both also run during `pulumi preview`, where any input may still be unknown.
 */
import type * as pulumi from "@pulumi/pulumi";
import { linuxUserProblem } from "../common/linux-user";
import { isUnknown } from "../runtime";

export const SOURCE_CONTROL_PROVIDERS = ["github", "gitlab", "bitbucket"] as const;
export type ForgeSiteSourceControl = (typeof SOURCE_CONTROL_PROVIDERS)[number];

/**
 * Fields Forge cannot change on an existing site: `PUT …/sites/{site}` takes no domain, isolated user, repository or
 * server, and tags can only be set when the site is created. Changing one replaces the site, old one first, because
 * the domain and the isolated user are unique on a server.
 */
export const REPLACE_FIELDS = [
  "serverId",
  "domain",
  "isolatedUser",
  "repository",
  "sourceControlProvider",
  "ownerTag",
] as const;

/** Fields `PUT …/sites/{site}` changes in place (`php_version`, `directory`, `repository_branch`, `push_to_deploy`). */
export const UPDATE_FIELDS = ["phpVersion", "webDirectory", "branch", "pushToDeploy"] as const;

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const PHP_VERSION = /^php[0-9]{2}$/;
const REPOSITORY_PART = /^[A-Za-z0-9_.-]+$/;

/** Why `domain` is not a DNS name Forge accepts as a site name, or null. Forge stores names lower-case. */
export function domainProblem(domain: string): string | null {
  if (domain.length > 253) return "must be at most 253 characters";
  const labels = domain.split(".");
  if (labels.length < 2) return "must be a fully qualified DNS name such as `pr-123.preview.example.com`";
  if (labels[0].length > 63) return "must have a first label of at most 63 characters";
  for (const label of labels) {
    if (label.length > 63) return `has a label longer than 63 characters (\`${label}\`)`;
    if (!DNS_LABEL.test(label)) {
      return "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash";
    }
  }
  return null;
}

/** Why `user` is not a Linux user name Forge accepts for an isolated site, or null. */
export const isolatedUserProblem = linuxUserProblem;

/**
 * Why `repository` is not a repository path, or null: `owner/name` on GitHub and Bitbucket; GitLab also allows
 * subgroups (`group/subgroup/name`). An unknown provider (preview) accepts either.
 */
export function repositoryProblem(repository: string, provider: string | null): string | null {
  const parts = repository.split("/");
  const nested = provider === null || provider === "gitlab";
  const countOk = nested ? parts.length >= 2 : parts.length === 2;
  if (!countOk || !parts.every((part) => REPOSITORY_PART.test(part) && part !== "." && part !== "..")) {
    return nested ? "must be `owner/name` (GitLab also allows `group/subgroup/name`)" : "must be `owner/name`";
  }
  if (repository.endsWith(".git")) return "must not end in `.git`: give `owner/name`";
  return null;
}

/** Why `branch` is not a valid git branch name (the rules of `git check-ref-format --branch`), or null. */
export function branchProblem(branch: string): string | null {
  if (branch === "" || branch === "@") return "must be a branch name";
  if (/\s/.test(branch) || [...branch].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
    return "must not contain spaces or control characters";
  }
  if (/[~^:?*[\\]/.test(branch)) return "must not contain any of `~ ^ : ? * [ \\`";
  if (branch.includes("..")) return "must not contain `..`";
  if (branch.includes("@{")) return "must not contain `@{`";
  if (branch.startsWith("-")) return "must not start with `-`";
  if (branch.startsWith("/") || branch.endsWith("/") || branch.includes("//"))
    return "must not start or end with `/` or contain `//`";
  if (branch.endsWith(".")) return "must not end with `.`";
  for (const part of branch.split("/")) {
    if (part.startsWith(".")) return "must not have a path component starting with `.`";
    if (part.endsWith(".lock")) return "must not have a path component ending with `.lock`";
  }
  return null;
}

/** Why `directory` is not a web directory Forge accepts, or null. */
export function webDirectoryProblem(directory: string): string | null {
  if (!directory.startsWith("/")) return "must start with `/` (e.g. `/public`)";
  if (/\s/.test(directory)) return "must not contain whitespace";
  // One spelling per directory: if Forge reported `/public` for `/public/`, diffs and update waits would never settle.
  if (directory.length > 1 && directory.endsWith("/")) return "must not end with `/` (e.g. `/public`)";
  return null;
}

type Failure = pulumi.dynamic.CheckFailure;

function checkString(
  failures: Failure[],
  news: Record<string, unknown>,
  field: keyof ForgeSiteInputs,
  problemOf: (value: string) => string | null,
): void {
  const value = news[field];
  if (isUnknown(value)) return;
  if (typeof value !== "string") {
    failures.push({ property: field, reason: `\`${field}\` must be a string` });
    return;
  }
  const problem = problemOf(value);
  if (problem !== null) failures.push({ property: field, reason: `\`${field}\` ${problem}` });
}

/**
 * `check`: every invalid input gets a failure naming its field; unknown values pass (they are checked again when
 * known). `sourceControlProvider` defaults to `github`.
 */
export function checkForgeSiteInputs(news: Record<string, unknown>): { inputs: ForgeSiteInputs; failures: Failure[] } {
  const failures: Failure[] = [];
  const inputs = { ...news, sourceControlProvider: news.sourceControlProvider ?? "github" } as Record<string, unknown>;
  const serverId = inputs.serverId;
  if (!isUnknown(serverId) && !(typeof serverId === "number" && Number.isSafeInteger(serverId) && serverId > 0)) {
    failures.push({ property: "serverId", reason: "`serverId` must be a positive integer (the Forge server id)" });
  }
  const provider = inputs.sourceControlProvider;
  if (!isUnknown(provider) && !SOURCE_CONTROL_PROVIDERS.includes(provider as ForgeSiteSourceControl)) {
    failures.push({
      property: "sourceControlProvider",
      reason: `\`sourceControlProvider\` must be one of ${SOURCE_CONTROL_PROVIDERS.map((p) => `\`${p}\``).join(", ")}`,
    });
  }
  checkString(failures, inputs, "domain", domainProblem);
  checkString(failures, inputs, "isolatedUser", isolatedUserProblem);
  checkString(failures, inputs, "phpVersion", (value) => (PHP_VERSION.test(value) ? null : "must look like `php84`"));
  checkString(failures, inputs, "webDirectory", webDirectoryProblem);
  const knownProvider = typeof provider === "string" && !isUnknown(provider) ? provider : null;
  checkString(failures, inputs, "repository", (value) => repositoryProblem(value, knownProvider));
  checkString(failures, inputs, "branch", branchProblem);
  checkString(failures, inputs, "ownerTag", (value) =>
    value.trim() === "" ? "must not be empty: it is the tag that marks the site as this stack's" : null,
  );
  if (!isUnknown(inputs.pushToDeploy) && typeof inputs.pushToDeploy !== "boolean") {
    failures.push({ property: "pushToDeploy", reason: "`pushToDeploy` must be a boolean" });
  }
  return { inputs: inputs as unknown as ForgeSiteInputs, failures };
}

/** `diff`: identity fields replace (old site first); the rest update in place; an unknown value is a change. */
export function diffForgeSite(olds: ForgeSiteOutputs, news: ForgeSiteInputs): pulumi.dynamic.DiffResult {
  const differs = (field: keyof ForgeSiteInputs): boolean => isUnknown(news[field]) || news[field] !== olds[field];
  const replaces = REPLACE_FIELDS.filter(differs);
  const changes = replaces.length > 0 || UPDATE_FIELDS.some(differs);
  return { changes, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 };
}

export interface ForgeSiteInputs {
  /** The Forge server the site lives on. */
  serverId: number;
  /** The site's name in Forge and its public host name, e.g. `pr-123.preview.example.com`. */
  domain: string;
  /** The Linux user the site runs as (isolation), e.g. `pr123`. */
  isolatedUser: string;
  /** Forge's spelling, e.g. `php84`. */
  phpVersion: string;
  /** Served directory inside the site, e.g. `/public`. */
  webDirectory: string;
  /** `owner/name`. */
  repository: string;
  /** The PR's head branch. */
  branch: string;
  sourceControlProvider: ForgeSiteSourceControl;
  /** Forge redeploys on every push to `branch`; changed in place. Previews keep it off, as their pipeline deploys. */
  pushToDeploy: boolean;
  /** The Forge tag marking the site as this stack's, e.g. `forge-previews-customer-pr-123`. */
  ownerTag: string;
}

export interface ForgeSiteOutputs extends ForgeSiteInputs {
  siteId: number;
  /**
   * The Linux user the site runs as: `isolatedUser`, or the next free name when Forge still keeps that user from a
   * deleted site (see `isolatedUserChoice`). Workers and the deploy script run as this user.
   */
  siteUser: string;
  /** `/home/<siteUser>/<domain>`: the site's root on the server (see `siteDirectoryOf`). */
  siteDirectory: string;
  /** `https://<domain>`. */
  url: string;
  /** When Forge created the site (ISO 8601), if it says. */
  createdAt: string | null;
}
