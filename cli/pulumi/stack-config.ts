/**
 * A stack's configuration through the `pulumi` CLI. Plain values go in one `config set-all` (they are not secret, so
 * argv is fine); each secret goes through stdin so it never shows in `ps`. The local `Pulumi.<stack>.yaml` can be
 * emptied of config while keeping its encryption header, so keys dropped from the shared configuration go too.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { isRecord } from "../../providers/common/narrow";
import { SECRET_KEYS } from "../../stacks/config-keys";
import { CONFIG_ENV, type ConfigEntries, fullKey } from "../cli-config";
import type { PulumiCli } from "./runner";

/** A secret whose value the CLI did not show: enough to know it is set, never something to write back. */
export const HIDDEN_SECRET = "\u0000hidden";

export function missingConfigHint(stack: string): string {
  const secrets = SECRET_KEYS.filter((entry) => entry.required)
    .map((entry) => entry.env)
    .join(", ");
  return (
    `Stack ${stack} has no complete configuration on this machine (a fresh runner has no Pulumi.${stack}.yaml). Give the ` +
    `shared configuration with ${CONFIG_ENV.file} or ${CONFIG_ENV.inline} (secrets in ${secrets}, ...), or name a stack ` +
    `that has it with ${CONFIG_ENV.stack}.`
  );
}

/** `pulumi config --json` of `stack`, Pulumi.yaml defaults included; hidden secrets carry {@link HIDDEN_SECRET}. */
export async function readConfig(
  cli: PulumiCli,
  stack: string,
  options: { showSecrets?: boolean } = {},
): Promise<ConfigEntries> {
  const args = ["config", "--json", "--stack", stack, ...(options.showSecrets ? ["--show-secrets"] : [])];
  const parsed = await cli.json(args, missingConfigHint(stack));
  const entries: ConfigEntries = {};
  if (!isRecord(parsed)) return entries;
  for (const [key, raw] of Object.entries(parsed)) {
    if (!isRecord(raw)) continue;
    const secret = raw.secret === true;
    if (typeof raw.value === "string") {
      entries[key] = {
        value: raw.value,
        secret,
        ...(raw.objectValue !== undefined ? { objectValue: raw.objectValue } : {}),
      };
    } else if (secret) {
      entries[key] = { value: HIDDEN_SECRET, secret };
    }
  }
  return entries;
}

export function stackConfigPath(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** The plain values in the local stack file (secure ones are skipped), or null when there is no file. */
export function readLocalPlainValues(projectDir: string, stack: string): Record<string, string> | null {
  const file = stackConfigPath(projectDir, stack);
  if (!existsSync(file)) return null;
  const parsed: unknown = parseYaml(readFileSync(file, "utf8"));
  const config = isRecord(parsed) && isRecord(parsed.config) ? parsed.config : {};
  return Object.fromEntries(
    Object.entries(config).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/**
 * Empties the config of the local stack file but keeps the rest (`encryptionsalt`, `secretsprovider`,
 * `encryptedkey`): without them the stack's secrets would be encrypted with a new key the state does not know.
 */
export function clearLocalConfig(projectDir: string, stack: string): void {
  const file = stackConfigPath(projectDir, stack);
  if (!existsSync(file)) return;
  const parsed: unknown = parseYaml(readFileSync(file, "utf8"));
  const header = isRecord(parsed) ? Object.fromEntries(Object.entries(parsed).filter(([key]) => key !== "config")) : {};
  writeFileSync(file, stringifyYaml({ ...header, config: {} }));
}

/** Sets `entries` on `stack`: plain ones in one call, each secret through stdin. */
export async function writeConfig(cli: PulumiCli, stack: string, entries: ConfigEntries): Promise<void> {
  const plain: ConfigEntries = {};
  const secrets: Array<[string, string]> = [];
  for (const [key, entry] of Object.entries(entries)) {
    if (entry.value === HIDDEN_SECRET) throw new Error(`refusing to write the hidden value of ${key}`);
    if (entry.secret) secrets.push([fullKey(key), entry.value]);
    else plain[fullKey(key)] = entry;
  }
  const next = `Could not write the configuration of stack ${stack}; check the backend and the passphrase with \`forge-previews doctor\`.`;
  if (Object.keys(plain).length > 0) {
    await cli.runChecked(["config", "set-all", "--stack", stack, "--json", JSON.stringify(plain)], next, {
      timeoutMs: 120_000,
    });
  }
  for (const [key, value] of secrets) {
    // `config set` drops exactly one trailing newline from stdin; adding one keeps a key file's own newline.
    await cli.runChecked(["config", "set", "--secret", "--stack", stack, key], next, {
      stdin: `${value}\n`,
      timeoutMs: 120_000,
    });
  }
}

/** Copies every key of `from` to `to`, secrets re-encrypted by the CLI without passing through this process. */
export async function copyConfig(cli: PulumiCli, from: string, to: string): Promise<void> {
  await cli.runChecked(["config", "cp", "--stack", from, "--dest", to], missingConfigHint(from), {
    timeoutMs: 120_000,
  });
}
