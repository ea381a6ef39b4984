import type * as pulumi from "@pulumi/pulumi";
import { PHP_VERSIONS } from "../forge";
import {
  buildDeploymentScript,
  branchProblem,
  COMMIT_SHA,
  scriptLineProblem,
  sha256Hex,
  siteDirectoryProblem,
} from "./script";
import { containsUnknown, isUnknown } from "../runtime";

/** Pure rules of the Deployment resource: input validation and the diff. Neither calls Forge; both run in preview. */

type Failure = pulumi.dynamic.CheckFailure;

/** The statuses after which a deployment needs nothing more; anything else makes the next `up` deploy again. */
export const FINISHED = "finished";

function positiveId(value: unknown, property: string, failures: Failure[]): void {
  if (!isUnknown(value) && !(typeof value === "number" && Number.isSafeInteger(value) && value > 0)) {
    failures.push({
      property,
      reason: `\`${property}\` must be the positive integer id Forge gave the ${property.replace(/Id$/, "")}`,
    });
  }
}

function stringList(
  value: unknown,
  property: string,
  failures: Failure[],
  lineRule?: (line: string) => string | null,
): unknown {
  if (value === undefined || value === null) return [];
  if (isUnknown(value)) return value;
  if (!Array.isArray(value)) {
    failures.push({ property, reason: `\`${property}\` must be a list of strings` });
    return value;
  }
  value.forEach((item: unknown, index) => {
    if (isUnknown(item)) return;
    if (typeof item !== "string") failures.push({ property, reason: `\`${property}[${index}]\` must be a string` });
    else if (lineRule) {
      const problem = lineRule(item);
      if (problem !== null) failures.push({ property, reason: `\`${property}[${index}]\` ${problem}` });
    }
  });
  return value;
}

/** Validates raw inputs (possibly holding the preview unknown) into `DeploymentInputs`, with defaults filled in. */
export function checkDeploymentInputs(news: Record<string, unknown>): pulumi.dynamic.CheckResult<DeploymentInputs> {
  const failures: Failure[] = [];
  positiveId(news.serverId, "serverId", failures);
  positiveId(news.siteId, "siteId", failures);

  const { siteDirectory, branch, phpVersion } = news;
  if (!isUnknown(siteDirectory)) {
    const problem = typeof siteDirectory === "string" ? siteDirectoryProblem(siteDirectory) : "must be a string";
    if (problem !== null) failures.push({ property: "siteDirectory", reason: `\`siteDirectory\` ${problem}` });
  }
  if (!isUnknown(branch)) {
    const problem = typeof branch === "string" ? branchProblem(branch) : "must be a string";
    if (problem !== null) {
      const shown = typeof branch === "string" ? ` (got ${JSON.stringify(branch)})` : "";
      failures.push({
        property: "branch",
        reason: `\`branch\` ${problem}${shown}; pass the pull request's head branch as git names it`,
      });
    }
  }

  let commitSha: unknown = news.commitSha ?? null;
  if (typeof commitSha === "string" && COMMIT_SHA.test(commitSha)) commitSha = commitSha.toLowerCase();
  else if (commitSha !== null && !isUnknown(commitSha)) {
    failures.push({
      property: "commitSha",
      reason: "`commitSha` must be a full commit id (40 or 64 hex digits), or null to deploy the branch head",
    });
  }

  const redeployToken: unknown = news.redeployToken ?? "";
  if (!isUnknown(redeployToken) && (typeof redeployToken !== "string" || redeployToken.length > 255)) {
    failures.push({
      property: "redeployToken",
      reason: "`redeployToken` must be a string of at most 255 characters; change it to force a new deployment",
    });
  }
  if (!isUnknown(phpVersion) && !(PHP_VERSIONS as readonly unknown[]).includes(phpVersion)) {
    failures.push({ property: "phpVersion", reason: `\`phpVersion\` must be one of ${PHP_VERSIONS.join(", ")}` });
  }

  const extraScriptLines = stringList(news.extraScriptLines, "extraScriptLines", failures, scriptLineProblem);
  const redactions = stringList(news.redactions, "redactions", failures);
  const inputs = {
    serverId: news.serverId,
    siteId: news.siteId,
    siteDirectory,
    branch,
    commitSha,
    redeployToken,
    phpVersion,
    extraScriptLines,
    redactions,
  } as DeploymentInputs;
  return { inputs, failures };
}

export function deploymentScriptFor(inputs: DeploymentInputs): string {
  return buildDeploymentScript(inputs);
}

/** Whether the last `up` left the resource needing another deployment. */
export function isSettled(olds: DeploymentOutputs): boolean {
  return olds.status === FINISHED;
}

const SCRIPT_FIELDS = ["siteDirectory", "branch", "commitSha", "phpVersion", "extraScriptLines"] as const;
const TRIGGER_FIELDS = ["commitSha", "redeployToken"] as const;

/**
 * Site moves replace (a deployment belongs to one site). Script inputs and the trigger update in place. So does an
 * unsettled last run (a failed or timed-out deployment): the next `up` retries it even when no input changed.
 * `redactions` are secret and not kept in the outputs, so they cannot be compared.
 */
export function diffDeployment(olds: DeploymentOutputs, news: DeploymentInputs): pulumi.dynamic.DiffResult {
  const replaces = (["serverId", "siteId"] as const).filter(
    (field) => isUnknown(news[field]) || news[field] !== olds[field],
  );
  const changed = [...new Set([...SCRIPT_FIELDS, ...TRIGGER_FIELDS])].filter(
    (field) => containsUnknown(news[field]) || JSON.stringify(news[field]) !== JSON.stringify(olds[field]),
  );
  const scriptChanged = !containsUnknown(news) && sha256Hex(deploymentScriptFor(news)) !== olds.scriptSha256;
  const changes = replaces.length > 0 || changed.length > 0 || scriptChanged || !isSettled(olds);
  return { changes, replaces: [...replaces], deleteBeforeReplace: false };
}

/** Whether `update` must deploy, rather than only record new inputs. */
export function needsDeployment(olds: DeploymentOutputs, news: DeploymentInputs, scriptSha256: string): boolean {
  return (
    olds.status !== FINISHED ||
    scriptSha256 !== olds.scriptSha256 ||
    TRIGGER_FIELDS.some((field) => news[field] !== olds[field])
  );
}

export interface DeploymentInputs {
  serverId: number;
  siteId: number;
  /** The site's directory on the server, e.g. `/home/forge/pr-7.example.dev` (zero-downtime deployments off). */
  siteDirectory: string;
  branch: string;
  /** The commit to run exactly; null deploys the branch head. */
  commitSha: string | null;
  /** Change it to deploy again without a new commit. */
  redeployToken: string;
  phpVersion: string;
  /** Shell lines appended to the script after the Laravel steps. */
  extraScriptLines: string[];
  /** Strings to redact from deployment logs shown in errors (secret): DB passwords, APP_KEY, tokens. */
  redactions: string[];
}

export interface DeploymentOutputs extends Omit<DeploymentInputs, "redactions"> {
  deploymentId: number;
  /** The latest deployment's status; anything but `finished` makes the next `up` deploy again. */
  status: string;
  /** When the latest deployment finished; null if it did not. */
  deployedAt: string | null;
  scriptSha256: string;
}
