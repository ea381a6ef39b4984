import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Forge expands these macros before it runs a zero-downtime deployment script. Left as written,
 * `$CREATE_RELEASE()` is not valid bash, so the syntax check replaces each with a no-op on the
 * same line (keeping line numbers in error messages right).
 */
const MACROS = [
  "$CREATE_RELEASE()",
  "$ACTIVATE_RELEASE()",
  "$RESTART_QUEUES()",
  "$RESTART_HORIZON()",
  "$RESTART_OCTANE()",
];

export const DEPLOY_SCRIPT_FILE = "deploy.sh";

export function defaultDeployScript(siteName: string, branch: string | null, zeroDowntime: boolean): string {
  const lines = zeroDowntime
    ? [
        "$CREATE_RELEASE()",
        "",
        "cd $FORGE_RELEASE_DIRECTORY",
        "",
        "$FORGE_COMPOSER install --no-dev --no-interaction --prefer-dist --optimize-autoloader",
        "$FORGE_PHP artisan optimize",
        "$FORGE_PHP artisan storage:link",
        "$FORGE_PHP artisan migrate --force",
        "",
        "$ACTIVATE_RELEASE()",
        "",
        "$RESTART_QUEUES()",
      ]
    : [
        `cd /home/forge/${siteName}`,
        `git pull origin ${branch ?? "$FORGE_SITE_BRANCH"}`,
        "",
        "$FORGE_COMPOSER install --no-dev --no-interaction --prefer-dist --optimize-autoloader",
        "",
        "( flock -w 10 9 || exit 1",
        "    echo 'Restarting FPM...'; sudo -S service $FORGE_PHP_FPM reload ) 9>/tmp/fpmlock",
        "",
        "if [ -f artisan ]; then",
        "    $FORGE_PHP artisan migrate --force",
        "fi",
      ];
  return `${lines.join("\n")}\n`;
}

export function expandMacros(script: string): string {
  let expanded = script;
  for (const macro of MACROS) expanded = expanded.split(macro).join(":");
  return expanded;
}

/**
 * Runs `bash -n` on the script (macros expanded) from a private temp file, so bash names lines
 * in its complaints; `output` is that complaint with the temp path shown as `deploy.sh`.
 */
export async function checkSyntax(script: string): Promise<{ ok: boolean; output: string }> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "forge-simulator-deploy-"));
  const file = path.join(dir, DEPLOY_SCRIPT_FILE);
  try {
    await fs.promises.writeFile(file, expandMacros(script), { mode: 0o600 });
    return await new Promise((resolve, reject) => {
      execFile("bash", ["-n", file], { timeout: 10_000 }, (error, stdout, stderr) => {
        const exitCode = (error as { code?: unknown } | null)?.code;
        if (error !== null && typeof exitCode !== "number") {
          reject(error);
          return;
        }
        resolve({ ok: error === null, output: `${stdout}${stderr}`.split(file).join(DEPLOY_SCRIPT_FILE).trimEnd() });
      });
    });
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
