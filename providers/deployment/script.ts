import { createHash } from "node:crypto";

/**
 * The deployment script a preview site runs. Preview sites use zero-downtime deployments OFF, so the script works in
 * the site directory itself, as Forge's default script for such sites does, and calls PHP and Composer through
 * `$FORGE_PHP` and `$FORGE_COMPOSER`, which Forge points at the site's PHP version.
 *
 * Every value interpolated into the script is validated by the rules below and single-quoted, so a branch such as
 * `feat/$(id)` or `it's;done` reaches git as that literal text.
 */
export interface DeploymentScriptInputs {
  siteDirectory: string;
  branch: string;
  /** With a SHA the script fetches the branch and resets to exactly that commit; without, it pulls the branch head. */
  commitSha: string | null;
  phpVersion: string;
  extraScriptLines: readonly string[];
}

/** Laravel's deploy steps after the code is in place, in the order Forge's default script and Laravel's docs use. */
export const LARAVEL_STEPS = [
  "$FORGE_COMPOSER install --no-interaction --prefer-dist --optimize-autoloader --no-dev",
  "",
  // Forge's default script reloads PHP-FPM so OPcache drops the old code, under a flock so concurrent deploys on the
  // same server do not reload at once. Its lock is `9>/tmp/fpmlock`, but this script runs as the site's isolated user:
  // that file may already exist, made 0644 by `forge` or another site's user, and opening it for writing is refused
  // (so is any open with O_CREAT under `fs.protected_regular`), which `set -e` turns into a failed deployment. A lock
  // file in `$HOME` would not fail but would only serialise this one site, which Forge already does. So the lock is
  // taken on `/` opened read-only: flock needs no write access, every user can open it, nobody owns or creates a file,
  // and every preview on the server still waits for the others' reloads.
  "( flock -w 10 9 || exit 1",
  "    echo 'Restarting FPM...'; sudo -S service $FORGE_PHP_FPM reload ) 9</",
  "",
  "$FORGE_PHP artisan migrate --force",
  "$FORGE_PHP artisan config:cache",
  "$FORGE_PHP artisan route:cache",
  "$FORGE_PHP artisan view:cache",
  "$FORGE_PHP artisan queue:restart",
] as const;

/** Wraps `value` in single quotes for bash: inside them nothing is special except `'`, which is closed and escaped. */
export function quoteShellArgument(value: string): string {
  return `'${value.split("'").join(`'\\''`)}'`;
}

export function buildDeploymentScript(inputs: DeploymentScriptInputs): string {
  const checkout =
    inputs.commitSha === null
      ? [`git pull origin ${quoteShellArgument(inputs.branch)}`]
      : [
          `git fetch origin ${quoteShellArgument(inputs.branch)}`,
          `git reset --hard ${quoteShellArgument(inputs.commitSha)}`,
        ];
  const lines = [
    "# Managed by forge-previews: edits made in Forge are replaced on the next deployment.",
    // The PHP version is part of the script so that changing it redeploys: Composer resolves for the running PHP.
    `# PHP ${inputs.phpVersion}: Forge points $FORGE_PHP and $FORGE_COMPOSER at the site's PHP version.`,
    "set -e",
    "",
    `cd ${quoteShellArgument(inputs.siteDirectory)}`,
    ...checkout,
    "",
    ...LARAVEL_STEPS,
    ...(inputs.extraScriptLines.length === 0 ? [] : ["", "# App-specific steps", ...inputs.extraScriptLines]),
  ];
  return `${lines.join("\n")}\n`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Characters git refuses anywhere in a ref name, besides control characters (see `git help check-ref-format`). */
const FORBIDDEN_REF_CHARACTERS = /[\s~^:?*[\\]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Why `branch` is not a branch name git would accept (`git check-ref-format --branch`), or null when it is. Shell
 * metacharacters git allows (`$`, backquote, `;`, `&`, `|`, quotes, parentheses) are fine: the script quotes them.
 */
export function branchProblem(branch: string): string | null {
  if (branch === "") return "is empty";
  if (branch.length > 255) return "is longer than 255 characters";
  if (CONTROL_CHARACTERS.test(branch)) return "contains a control character";
  if (FORBIDDEN_REF_CHARACTERS.test(branch)) return "contains whitespace or one of ~ ^ : ? * [ \\";
  if (branch.startsWith("-")) return "starts with `-`, which git would read as an option";
  if (branch === "@") return "is `@`, which git reserves";
  if (branch.includes("..")) return "contains `..`";
  if (branch.includes("@{")) return "contains `@{`";
  if (branch.startsWith("/") || branch.endsWith("/") || branch.includes("//")) return "has an empty path component";
  if (branch.endsWith(".")) return "ends with `.`";
  for (const component of branch.split("/")) {
    if (component.startsWith(".")) return "has a path component starting with `.`";
    if (component.endsWith(".lock")) return "has a path component ending with `.lock`";
  }
  return null;
}

/** A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories), any case. */
export const COMMIT_SHA = /^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;

/** Why `directory` cannot be the site directory, or null: an absolute, normalised path without shell-special text. */
export function siteDirectoryProblem(directory: string): string | null {
  if (!directory.startsWith("/")) return "must be an absolute path such as `/home/forge/pr-7.example.dev`";
  if (!/^[A-Za-z0-9._\-/]+$/.test(directory)) return "may only contain letters, digits, `.`, `_`, `-` and `/`";
  if (directory.split("/").some((part) => part === "." || part === ".."))
    return "must not contain `.` or `..` components";
  if (directory.length > 1 && directory.endsWith("/")) return "must not end with `/`";
  return null;
}

/** Why an extra script line is unusable, or null. Each entry is one line: a newline would hide further lines in it. */
export function scriptLineProblem(line: string): string | null {
  if (/[\r\n]/.test(line)) return "contains a line break; pass each line as its own entry";
  if (line.includes("\u0000")) return "contains a NUL character";
  return null;
}
