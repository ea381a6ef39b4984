/**
 * The environment that points the operations CLI (`forge-previews list`, `doctor`, `sweep`, any command) at a sandbox:
 * its state backend and passphrase, its project dir, the shared configuration as a workflow passes it (plain keys in a
 * file, each secret in its variable) and, in box mode, the box's CA and DNS through which its previews are reached.
 * The sandbox writes it to `<sandbox dir>/cli.env`, so `source .sandbox/cli.env` is the one line a person needs.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { DNS_SERVER_ENV } from "../../cli/cli-config";
import { SECRET_ENV } from "../../stacks/config-keys";
import type { EmbeddedDefault } from "./embedded-default";

export const CLI_ENV_FILE = "cli.env";
const CLI_CONFIG_FILE = "cli-config.json";

/**
 * The embedded default's stack config as a workflow passes it to the CLI: each secret in its environment variable, the
 * other keys as plain values for FORGE_PREVIEWS_CONFIG(_FILE). `branch` is per stack, so it is left out.
 */
export function cliConfigOf(embedded: Pick<EmbeddedDefault, "stackConfig">): {
  secretEnv: Record<string, string>;
  plain: Record<string, unknown>;
} {
  const secretEnv: Record<string, string> = {};
  const plain: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(embedded.stackConfig)) {
    if (key === "branch") continue;
    if (entry.secret) {
      const variable = SECRET_ENV[key];
      if (variable === undefined) throw new Error(`no environment variable carries the secret \`${key}\``);
      secretEnv[variable] = entry.value;
    } else {
      plain[key] = entry.objectValue ?? entry.value;
    }
  }
  return { secretEnv, plain };
}

/** What the embedded default adds to the CLI's environment beyond its config: fast polls, the box's CA and DNS. */
export function embeddedCliEnv(embedded: Pick<EmbeddedDefault, "env" | "box">): Record<string, string> {
  return {
    ...embedded.env,
    ...(embedded.box === null ? {} : { [DNS_SERVER_ENV]: `127.0.0.1:${embedded.box.services.ports.dns}` }),
  };
}

/**
 * Writes `<dir>/cli-config.json` (the plain keys) and `<dir>/cli.env` (every variable, `export`ed), both 0600 since the
 * env file holds the sandbox's secrets; answers the file's path and the variables it sets.
 */
export function writeCliEnv(input: {
  dir: string;
  embedded: Pick<EmbeddedDefault, "stackConfig" | "env" | "box">;
  /** The backend, passphrase and Pulumi home of the sandbox's stacks. */
  pulumiEnv: Record<string, string>;
  project: string;
  binDir: string;
}): { file: string; env: Record<string, string> } {
  const { secretEnv, plain } = cliConfigOf(input.embedded);
  const configFile = path.join(input.dir, CLI_CONFIG_FILE);
  writeFileSync(configFile, `${JSON.stringify(plain, null, 2)}\n`, { mode: 0o600 });
  const env: Record<string, string> = {
    ...input.pulumiEnv,
    PULUMI_CLI_BIN_DIR: input.binDir,
    FORGE_PREVIEWS_PROJECT_DIR: input.project,
    FORGE_PREVIEWS_CONFIG_FILE: configFile,
    ...secretEnv,
    ...embeddedCliEnv(input.embedded),
  };
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const file = path.join(input.dir, CLI_ENV_FILE);
  const lines = Object.entries(env).map(([key, value]) => `export ${key}=${quote(value)}`);
  writeFileSync(file, `# Points forge-previews at this sandbox: source this file.\n${lines.join("\n")}\n`, {
    mode: 0o600,
  });
  return { file, env };
}
