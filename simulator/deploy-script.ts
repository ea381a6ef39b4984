import { spawn } from "child_process";

/**
 * Forge expands these macros before it runs a zero-downtime deployment script. Left as written,
 * `$CREATE_RELEASE()` is not valid bash, so the syntax check replaces each with a no-op on the
 * same line (keeping line numbers in error messages right).
 */
const MACROS = ["$CREATE_RELEASE()", "$ACTIVATE_RELEASE()", "$RESTART_QUEUES()", "$RESTART_HORIZON()", "$RESTART_OCTANE()"];

export const DEPLOY_SCRIPT_FILE = "deploy.sh";

export function defaultDeployScript(siteName: string, branch: string | null, zeroDowntime: boolean): string {
  const lines = zeroDowntime
    ? ["$CREATE_RELEASE()", "", "cd $FORGE_RELEASE_DIRECTORY", "", "$FORGE_COMPOSER install --no-dev --no-interaction --prefer-dist --optimize-autoloader", "$FORGE_PHP artisan optimize", "$FORGE_PHP artisan storage:link", "$FORGE_PHP artisan migrate --force", "", "$ACTIVATE_RELEASE()", "", "$RESTART_QUEUES()"]
    : [`cd /home/forge/${siteName}`, `git pull origin ${branch ?? "$FORGE_SITE_BRANCH"}`, "", "$FORGE_COMPOSER install --no-dev --no-interaction --prefer-dist --optimize-autoloader", "", "( flock -w 10 9 || exit 1", "    echo 'Restarting FPM...'; sudo -S service $FORGE_PHP_FPM reload ) 9>/tmp/fpmlock", "", "if [ -f artisan ]; then", "    $FORGE_PHP artisan migrate --force", "fi"];
  return `${lines.join("\n")}\n`;
}

export function expandMacros(script: string): string {
  let expanded = script;
  for (const macro of MACROS) expanded = expanded.split(macro).join(":");
  return expanded;
}

/** Runs `bash -n` on the script (macros expanded); `output` is bash's complaint when it fails. */
export function checkSyntax(script: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-n", "/dev/stdin"], { stdio: ["pipe", "pipe", "pipe"], timeout: 10_000 });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ok: code === 0, output: output.split("/dev/stdin:").join(`${DEPLOY_SCRIPT_FILE}:`).trimEnd() }));
    child.stdin.end(expandMacros(script));
  });
}
