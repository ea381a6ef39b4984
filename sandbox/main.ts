/**
 * `npm run sandbox [-- up|destroy]`: the main job on the embedded default. Starts MariaDB, Redis, sshd and the Forge
 * simulator on 127.0.0.1, then runs `pulumi up` (or `destroy`) for stack `pr-1` of the demo app with a local
 * file:// backend under `.sandbox/`, prints the environment's outputs, and stops everything it started.
 */
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { UserError } from "../providers/user-error";
import { startEmbeddedDefault, toConfigJson } from "./embedded-default";
import { REPO_ROOT, createPulumiRunner, locatePulumiBinDir } from "./pulumi-cli";

const STACK = "pr-1";
const SANDBOX_DIR = path.join(REPO_ROOT, ".sandbox");
// Linked, not copied, so the sandbox runs the working tree; the stack's config file stays inside .sandbox/.
const PROJECT_ENTRIES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "providers", "stacks", "node_modules"];

async function prepareProject(): Promise<string> {
  const project = path.join(SANDBOX_DIR, "project");
  await mkdir(project, { recursive: true });
  for (const entry of PROJECT_ENTRIES) {
    await rm(path.join(project, entry), { force: true, recursive: false }).catch(() => undefined);
    await symlink(path.join(REPO_ROOT, entry), path.join(project, entry));
  }
  return project;
}

async function main(command: string): Promise<void> {
  if (command !== "up" && command !== "destroy") {
    throw new UserError(`Unknown sandbox command ${JSON.stringify(command)}; use \`npm run sandbox\` or \`npm run sandbox -- destroy\`.`);
  }
  const binDir = locatePulumiBinDir();
  await mkdir(path.join(SANDBOX_DIR, "state"), { recursive: true });
  const project = await prepareProject();
  console.log(`sandbox: starting MariaDB, Redis, sshd and the Forge simulator on 127.0.0.1`);
  const embedded = await startEmbeddedDefault({ dir: SANDBOX_DIR, persistState: true });
  try {
    const pulumi = createPulumiRunner({
      cwd: project,
      binDir,
      env: {
        ...embedded.env,
        PULUMI_HOME: path.join(SANDBOX_DIR, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(SANDBOX_DIR, "state")}`,
        // Protects only this machine's throw-away sandbox state.
        PULUMI_CONFIG_PASSPHRASE: "forge-previews-sandbox",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      },
    });
    await pulumi.run(["stack", "select", "--create", STACK], { quiet: true });
    // Services get new ports and keys on every start, so the config is written afresh each time.
    await writeFile(path.join(project, `Pulumi.${STACK}.yaml`), "config: {}\n");
    await pulumi.run(["config", "set-all", "--stack", STACK, "--json", toConfigJson("forge-previews", embedded.stackConfig)], { quiet: true });
    if (command === "up") {
      await pulumi.run(["up", "--stack", STACK, "--yes", "--skip-preview"]);
      console.log(`\nsandbox: outputs of ${STACK} (secrets hidden):`);
      await pulumi.run(["stack", "output", "--stack", STACK, "--json"]);
      console.log(`sandbox: the site's files are under ${path.join(SANDBOX_DIR, "sites")}; remove it with \`npm run sandbox -- destroy\``);
    } else {
      await pulumi.run(["destroy", "--stack", STACK, "--yes", "--skip-preview"]);
      await pulumi.run(["stack", "rm", "--stack", STACK, "--yes"], { quiet: true });
      console.log(`sandbox: ${STACK} destroyed and removed`);
    }
  } finally {
    await embedded.stop();
  }
}

main(process.argv[2] ?? "up").catch((error: unknown) => {
  console.error(error instanceof UserError ? `sandbox: ${error.message}` : error);
  process.exitCode = 1;
});
