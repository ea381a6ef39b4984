/**
 * `npm run sandbox [-- up|destroy]`: the main job on the embedded default. Starts MariaDB, Redis, sshd and the Forge
 * simulator on 127.0.0.1, writes the CLI's environment for them to `.sandbox/cli.env`, then runs `forge-previews up`
 * (or `destroy`) for PR 1 of the demo app as a team's workflow does, on a local file:// backend under `.sandbox/`,
 * and stops everything it started.
 *
 * Everything lives on in `.sandbox/` between runs (`FORGE_PREVIEWS_SANDBOX_DIR` moves it): the services' data, keys,
 * passwords and ports, the simulator's state, port and token. The stack's config is therefore the same on every run,
 * so a second `up` changes nothing and `destroy` (which the engine runs with the config of the last `up`) finds every
 * resource where the state says it is.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, rm, symlink } from "node:fs/promises";
import * as path from "node:path";
import { UserError } from "../../providers/common/user-error";
import { CONFIG_DEFAULTS } from "../../stacks/config-rules";
import { buildPreviewNames, buildStackName } from "../../stacks/naming";
import { boxUnavailable } from "../box/services";
import { writeCliEnv } from "./cli-env";
import {
  SANDBOX_APP,
  SANDBOX_DOMAIN,
  simulatorOptionsFromEnv,
  startEmbeddedDefault,
  type EmbeddedBox,
} from "./embedded-default";
import { RecordedPortTakenError } from "./local-services";
import { REPO_ROOT, locatePulumiBinDir } from "./pulumi-cli";

export const SANDBOX_PR = 1;
export const SANDBOX_STACK = buildStackName({ app: null, pr: SANDBOX_PR });
const SANDBOX_BRANCH = "main";
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

/** `box` or `light` forces a mode; unset, the sandbox runs the box where it can. */
export const SANDBOX_MODE_ENV = "FORGE_PREVIEWS_SANDBOX_MODE";

/** The box where this machine can run it (root and the packages setup installs), else the light mode and why. */
function chooseMode(env: NodeJS.ProcessEnv = process.env): { box: boolean; reason: string | null } {
  const forced = env[SANDBOX_MODE_ENV];
  if (forced === "light") return { box: false, reason: `${SANDBOX_MODE_ENV}=light` };
  const unavailable = boxUnavailable();
  if (forced === "box" && unavailable !== null) throw new UserError(`The box cannot run here: ${unavailable}`);
  return unavailable === null ? { box: true, reason: null } : { box: false, reason: `the box ${unavailable}` };
}

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
 * Runs `forge-previews <args>` as a team's workflow does, with the sandbox's CLI environment and none of the
 * developer's own Pulumi settings; its output passes through. Throws when it fails.
 */
function forgePreviews(args: string[], cliEnv: Record<string, string>): Promise<void> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && !entry[0].startsWith("PULUMI_"),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, "bin", "forge-previews"), args, {
      cwd: REPO_ROOT,
      env: { ...inherited, ...cliEnv },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new UserError(`\`forge-previews ${args.join(" ")}\` failed (exit ${code})`)),
    );
  });
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
  const mode = chooseMode();
  if (mode.box) {
    // Site users pass through the sandbox dir to the box's sockets and git remote.
    await chmod(dir, 0o711);
    console.log(`sandbox: box mode: nginx, PHP-FPM, supervisor and Pebble serve the demo app on 127.0.0.1`);
  } else console.log(`sandbox: light mode (${mode.reason}): the simulator stands in for the site`);
  const simulator = simulatorOptionsFromEnv(process.env);
  console.log(
    `sandbox: starting MariaDB, Redis, sshd and the Forge simulator (${simulator.profile} profile) on 127.0.0.1 (kept in ${dir})`,
  );
  const embedded = await startEmbeddedDefault({
    dir,
    persistState: true,
    simulator,
    ...(mode.box ? { box: { dir: path.join(dir, "box") } } : {}),
  });
  try {
    // Written on every run: the services' ports and the box's CA and DNS are this run's.
    const cli = writeCliEnv({ dir, embedded, pulumiEnv: sandboxPulumiEnv(dir), project, binDir });
    const pr = String(SANDBOX_PR);
    if (command === "up") {
      // The path a team's workflow takes: stack tags, the shared configuration and secrets, the pinned commit.
      await forgePreviews(["up", "--pr", pr, "--branch", SANDBOX_BRANCH, "--sha", embedded.demoCommit], cli.env);
      printCliAccess(cli.file);
      if (embedded.box === null) {
        console.log(
          `sandbox: the site's files are under ${path.join(dir, "sites")}; remove it with \`npm run sandbox -- destroy\``,
        );
      } else {
        const env = { ...sandboxPulumiEnv(dir) };
        printBoxAccess(embedded.box, project, binDir, env);
        // A person at a terminal gets the box until Ctrl-C, to paste the line; a script or CI job gets its exit. The
        // box keeps its sites on disk, so the next `npm run sandbox` serves the same preview again.
        if (process.stdin.isTTY === true) {
          console.log("sandbox: serving until Ctrl-C; `npm run sandbox -- destroy` removes the preview");
          await untilInterrupted();
        } else {
          console.log("sandbox: not at a terminal, so the box stops now; run `npm run sandbox` in one to keep it up");
        }
      }
    } else {
      await forgePreviews(["destroy", "--pr", pr], cli.env);
      await embedded.box?.agent.idle();
      console.log(`sandbox: ${SANDBOX_STACK} destroyed and removed`);
    }
  } finally {
    await embedded.stop();
  }
}

/**
 * The URL and one `curl` line a person can paste: the domain resolved to the box's HTTPS port, the box's CA, and the
 * basic-auth password read from the stack's output by the line itself, so it is never printed here.
 */
function printBoxAccess(box: EmbeddedBox, project: string, binDir: string, env: Record<string, string>): void {
  const names = buildPreviewNames({
    app: SANDBOX_APP,
    pr: SANDBOX_PR,
    isDefaultApp: true,
    previewDomain: SANDBOX_DOMAIN,
  });
  const port = box.services.ports.https;
  const url = `https://${names.domain}:${port}/health`;
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const pulumiEnv = Object.entries(env)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(" ");
  const password =
    `$(env ${pulumiEnv} ${quote(path.join(binDir, "pulumi"))} stack output basicAuthPassword --show-secrets ` +
    `--stack ${SANDBOX_STACK} --cwd ${quote(project)})`;
  console.log(`\nsandbox: the preview is at ${url}`);
  console.log(
    `curl --resolve ${names.domain}:${port}:127.0.0.1 --cacert ${quote(box.services.paths.caFile)} ` +
      `-u "${CONFIG_DEFAULTS.basicAuthUsername}:${password}" ${url}`,
  );
}

/**
 * The one line that points `forge-previews` at this sandbox. `list` reads only the state; `doctor` and the commands
 * that reach Forge, SSH, MariaDB or Redis need the sandbox's services, which run while `npm run sandbox` serves.
 */
function printCliAccess(envFile: string): void {
  const relative = path.relative(process.cwd(), envFile);
  const shown = relative.startsWith("..") || path.isAbsolute(relative) ? envFile : relative;
  console.log(
    `sandbox: \`source ${shown}\` points forge-previews at this sandbox: \`npx forge-previews list\`, and ` +
      "`doctor` while `npm run sandbox` serves",
  );
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

if (require.main === module) {
  main(process.argv[2] ?? "up").catch((error: unknown) => {
    const known = error instanceof UserError || error instanceof RecordedPortTakenError;
    console.error(known ? `sandbox: ${error.message}` : error);
    process.exitCode = 1;
  });
}
