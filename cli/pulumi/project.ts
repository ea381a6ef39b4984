/** Where the Pulumi project and the `pulumi` CLI are, and the environment every `pulumi` process gets. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { UserError } from "../../providers/common/user-error";
import { locatePulumiBinDir } from "../../tools/sandbox/pulumi-cli";
import { PROJECT_NAME } from "../../providers/common/project";
import { SECRET_ENV } from "../../stacks/config-keys";
import { CONFIG_ENV, type Env, readBackendSettings, readConfigSource } from "../cli-config";
import { ALERT_ENV } from "../alerts/env";
import { PulumiCli } from "./runner";

/** This package's root, which holds the project when the CLI runs from a checkout of it. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

export interface ProjectContext {
  projectDir: string;
  pulumiBinDir: string;
  env: Record<string, string>;
}

function isThisProject(dir: string): boolean {
  const file = path.join(dir, "Pulumi.yaml");
  if (!existsSync(file)) return false;
  const parsed: unknown = parseYaml(readFileSync(file, "utf8"));
  return typeof parsed === "object" && parsed !== null && (parsed as Record<string, unknown>).name === PROJECT_NAME;
}

/** The nearest directory at or above `start` whose Pulumi.yaml is this project, or null. */
export function findProjectDir(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isThisProject(dir)) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** `checkConfigSource: false` leaves a bad configuration source to be reported by whoever reads it (doctor). */
export function resolveProjectContext(
  options: { cwd?: string; env?: Env; projectDir?: string; checkConfigSource?: boolean } = {},
): ProjectContext {
  const given = options.env ?? process.env;
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(given).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  readBackendSettings(env);
  if (options.checkConfigSource !== false) readConfigSource(env);
  const projectDir =
    options.projectDir ??
    env.FORGE_PREVIEWS_PROJECT_DIR ??
    findProjectDir(options.cwd ?? process.cwd()) ??
    PACKAGE_ROOT;
  if (!isThisProject(projectDir)) {
    throw new UserError(
      `${projectDir} holds no Pulumi.yaml of project ${PROJECT_NAME}; run the CLI from a checkout of forge-previews or set FORGE_PREVIEWS_PROJECT_DIR.`,
    );
  }
  const pulumiBinDir = env.PULUMI_CLI_BIN_DIR ?? locatePulumiBinDir();
  return {
    projectDir,
    pulumiBinDir,
    env: {
      ...env,
      // No update nags in CI logs, and no warning about the DIY backend layout on every call.
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: env.PULUMI_DIY_BACKEND_NO_LEGACY_WARNING ?? "true",
    },
  };
}

/**
 * Credentials this process uses and `pulumi` (with the program and providers it starts, which inherit its
 * environment) never needs: GitHub's tokens, the Actions runtime's own, and the project's secrets, which reach the
 * stack as encrypted config on stdin instead.
 */
const PROCESS_ONLY_ENV: readonly string[] = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "FORGE_PREVIEWS_GITHUB_TOKEN",
  "FORGE_PREVIEWS_CHECKOUT_TOKEN",
  ...Object.values(ALERT_ENV),
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  ...Object.values(SECRET_ENV),
];

/** Cloud credentials by the state backends and secrets providers that need them; the others' are withheld. */
const CLOUD_CREDENTIALS: ReadonlyArray<{ schemes: readonly string[]; prefixes: readonly string[] }> = [
  { schemes: ["s3://", "awskms://"], prefixes: ["AWS_"] },
  { schemes: ["gs://", "gcpkms://"], prefixes: ["GOOGLE_", "CLOUDSDK_"] },
  { schemes: ["azblob://", "azurekeyvault://"], prefixes: ["AZURE_"] },
];

/** The variables of `env` left out of every `pulumi` child's environment. */
export function withheldFromPulumi(env: Readonly<Record<string, string>>): string[] {
  const urls = [env.PULUMI_BACKEND_URL, env[CONFIG_ENV.secretsProvider]].map((url) => (url ?? "").toLowerCase());
  const unneeded = CLOUD_CREDENTIALS.filter(
    (c) => !c.schemes.some((s) => urls.some((url) => url.startsWith(s))),
  ).flatMap((c) => c.prefixes);
  return Object.keys(env).filter(
    (key) => PROCESS_ONLY_ENV.includes(key) || unneeded.some((prefix) => key.startsWith(prefix)),
  );
}

/** A `pulumi` runner for the context; the secret variables are read here and withheld from the child. */
export function pulumiFor(context: ProjectContext, secrets: readonly string[]): PulumiCli {
  return new PulumiCli({
    cwd: context.projectDir,
    binDir: context.pulumiBinDir,
    env: context.env,
    secrets,
    withheldEnv: withheldFromPulumi(context.env),
  });
}
