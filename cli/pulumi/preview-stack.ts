/**
 * Checks what a caller asks for (app, PR, branch, commit) before anything runs, with the same rules the program
 * applies, and maps it to the preview's stack name. Branch names and comment text are untrusted: they are
 * validated here and only ever reach `pulumi` as config values, never a shell.
 */
import { COMMIT_SHA, branchProblem } from "../../providers/deployment/script";
import { UserError } from "../../providers/common/user-error";
import type { PlainConfig } from "../../stacks/config-rules";
import { type PreviewNames, buildPreviewNames, validateAppName, validatePrNumber } from "../../stacks/naming";

export interface ValidPreviewRef {
  /** null: the default app. */
  app: string | null;
  pr: number;
}

export interface ValidUpRequest extends ValidPreviewRef {
  branch: string;
  /** Lower case. */
  sha: string;
  redeploy: boolean;
  resetDatabase: boolean;
}

/** Shown in messages about untrusted text: enough to recognise it, never a wall of it. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

export function validatePreviewRef(ref: { app?: unknown; pr: unknown }): ValidPreviewRef {
  const app = ref.app === null || ref.app === undefined || ref.app === "" ? null : validateAppName(ref.app);
  return { app, pr: validatePrNumber(ref.pr) };
}

export function validateUpRequest(request: {
  app?: unknown;
  pr: unknown;
  branch: unknown;
  sha: unknown;
  redeploy?: unknown;
  resetDatabase?: unknown;
}): ValidUpRequest {
  const ref = validatePreviewRef(request);
  const { branch, sha } = request;
  if (typeof branch !== "string")
    throw new UserError(`The branch must be the PR's head branch name, not ${quote(branch)}.`);
  const problem = branchProblem(branch);
  if (problem !== null) {
    throw new UserError(
      `The branch ${quote(branch)} ${problem}, so it is not a git branch name; pass the PR's head branch.`,
    );
  }
  if (typeof sha !== "string" || !COMMIT_SHA.test(sha)) {
    throw new UserError(
      `The commit must be the full id of the PR's head commit (40 or 64 hex digits), not ${quote(sha)}.`,
    );
  }
  return {
    ...ref,
    branch,
    sha: sha.toLowerCase(),
    redeploy: request.redeploy === true,
    resetDatabase: request.resetDatabase === true,
  };
}

/** The names of the preview `ref` asks for, or a UserError when its app is not configured. */
export function resolvePreviewNames(
  ref: ValidPreviewRef,
  config: Pick<PlainConfig, "apps" | "defaultApp" | "previewDomain">,
): PreviewNames {
  const configured = Object.keys(config.apps);
  const app = ref.app ?? config.defaultApp;
  if (app === null) {
    throw new UserError(
      `No app was given and no default app is set while ${configured.length} apps are configured; pass the app (one of: ${configured.join(", ")}).`,
    );
  }
  if (!config.apps[app]) {
    throw new UserError(
      `App \`${app}\` is not configured (configured: ${configured.join(", ") || "none"}); add it under \`apps\` in the shared configuration.`,
    );
  }
  return buildPreviewNames({
    app,
    pr: ref.pr,
    isDefaultApp: app === config.defaultApp,
    previewDomain: config.previewDomain,
  });
}
