/**
 * `npm run sandbox [-- up|destroy]`: the main job on the embedded default. Starts MariaDB, Redis, sshd and the Forge
 * simulator on 127.0.0.1, then runs `pulumi up` (or `destroy`) for stack `pr-1` of the demo app with a local
 * file:// backend under `.sandbox/`, prints the environment's outputs, and stops everything it started.
 *
 * Everything lives on in `.sandbox/` between runs (`FORGE_PREVIEWS_SANDBOX_DIR` moves it): the services' data, keys,
 * passwords and ports, the simulator's state, port and token. The stack's config is therefore the same on every run,
 * so a second `up` changes nothing and `destroy` (which the engine runs with the config of the last `up`) finds every
 * resource where the state says it is.
 */
import { mkdir, readFile, rm, symlink } from "node:fs/promises";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isRecord } from "../../providers/common/narrow";
import { PROJECT_NAME } from "../../providers/common/project";
import { UserError } from "../../providers/common/user-error";
import { simulatorOptionsFromEnv, startEmbeddedDefault, toConfigJson, type StackConfigValue } from "./embedded-default";
import { RecordedPortTakenError } from "./local-services";
import { REPO_ROOT, createPulumiRunner, locatePulumiBinDir, type PulumiRunner } from "./pulumi-cli";

export const SANDBOX_STACK = "pr-1";
/** Moves the sandbox out of the repository, e.g. into a test's temp dir. */
export const SANDBOX_DIR_ENV = "FORGE_PREVIEWS_SANDBOX_DIR";
// Linked, not copied, so the sandbox runs the working tree; the stack's config file stays inside the sandbox dir.
const PROJECT_ENTRIES = [
  "Pulumi.yaml",
  "index.ts",
  "package.json",
  "tsconfig.json",
  "providers",
  "stacks",
  "node_modules",
];

/** `$FORGE_PREVIEWS_SANDBOX_DIR`, else `.sandbox/` in the repository. */
export function sandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[SANDBOX_DIR_ENV];
  return given ? path.resolve(given) : path.join(REPO_ROOT, ".sandbox");
}

/** The environment every `pulumi` command of the sandbox runs with: its own home, file backend and passphrase. */
export function sandboxPulumiEnv(dir: string): Record<string, string> {
  return {
    PULUMI_HOME: path.join(dir, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    // Protects only this machine's throw-away sandbox state.
    PULUMI_CONFIG_PASSPHRASE: "forge-previews-sandbox",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
}

async function prepareProject(dir: string): Promise<string> {
  const project = path.join(dir, "project");
  await mkdir(project, { recursive: true });
  for (const entry of PROJECT_ENTRIES) {
    await rm(path.join(project, entry), { force: true, recursive: false }).catch(() => undefined);
    await symlink(path.join(REPO_ROOT, entry), path.join(project, entry));
  }
  return project;
}

/**
 * Sets every key of `wanted` (values equal to the current ones are no change to the engine: it compares decrypted
 * values, not the stack file's ciphertexts) and drops keys the stack file holds that the sandbox no longer sets.
 */
async function writeStackConfig(
  pulumi: PulumiRunner,
  project: string,
  wanted: Record<string, StackConfigValue>,
): Promise<void> {
  await pulumi.run(["config", "set-all", "--stack", SANDBOX_STACK, "--json", toConfigJson(PROJECT_NAME, wanted)], {
    quiet: true,
  });
  const stackFile: unknown = parseYaml(await readFile(path.join(project, `Pulumi.${SANDBOX_STACK}.yaml`), "utf8"));
  const setKeys = isRecord(stackFile) && isRecord(stackFile.config) ? Object.keys(stackFile.config) : [];
  const wantedKeys = new Set(Object.keys(wanted).map((key) => `${PROJECT_NAME}:${key}`));
  const stale = setKeys.filter((key) => !wantedKeys.has(key));
  if (stale.length > 0) await pulumi.run(["config", "rm-all", "--stack", SANDBOX_STACK, ...stale], { quiet: true });
}

async function main(command: string): Promise<void> {
  if (command !== "up" && command !== "destroy") {
    throw new UserError(
      `Unknown sandbox command ${JSON.stringify(command)}; use \`npm run sandbox\` or \`npm run sandbox -- destroy\`.`,
    );
  }
  const dir = sandboxDir();
  const binDir = locatePulumiBinDir();
  await mkdir(path.join(dir, "state"), { recursive: true });
  const project = await prepareProject(dir);
  const simulator = simulatorOptionsFromEnv(process.env);
  console.log(
    `sandbox: starting MariaDB, Redis, sshd and the Forge simulator (${simulator.profile} profile) on 127.0.0.1 (kept in ${dir})`,
  );
  const embedded = await startEmbeddedDefault({ dir, persistState: true, simulator });
  try {
    const pulumi = createPulumiRunner({ cwd: project, binDir, env: { ...embedded.env, ...sandboxPulumiEnv(dir) } });
    await pulumi.run(["stack", "select", "--create", SANDBOX_STACK], { quiet: true });
    await writeStackConfig(pulumi, project, embedded.stackConfig);
    if (command === "up") {
      await pulumi.run(["up", "--stack", SANDBOX_STACK, "--yes", "--skip-preview"]);
      console.log(`\nsandbox: outputs of ${SANDBOX_STACK} (secrets hidden):`);
      await pulumi.run(["stack", "output", "--stack", SANDBOX_STACK, "--json"]);
      console.log(
        `sandbox: the site's files are under ${path.join(dir, "sites")}; remove it with \`npm run sandbox -- destroy\``,
      );
    } else {
      await pulumi.run(["destroy", "--stack", SANDBOX_STACK, "--yes", "--skip-preview"]);
      await pulumi.run(["stack", "rm", "--stack", SANDBOX_STACK, "--yes"], { quiet: true });
      console.log(`sandbox: ${SANDBOX_STACK} destroyed and removed`);
    }
  } finally {
    await embedded.stop();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? "up").catch((error: unknown) => {
    const known = error instanceof UserError || error instanceof RecordedPortTakenError;
    console.error(known ? `sandbox: ${error.message}` : error);
    process.exitCode = 1;
  });
}
