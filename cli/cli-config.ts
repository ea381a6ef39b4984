/**
 * Everything the CLI reads from its environment, validated once with messages that name the variable and the fix:
 * the state backend and its passphrase, and where a stack's configuration comes from. A GitHub runner starts with
 * no `Pulumi.<stack>.yaml`, so the shared configuration is either given as a file or variable (plain keys) plus one
 * variable per secret, or copied from a stack that has it (an operator's laptop). Secrets never pass through argv.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { isRecord } from "../providers/common/narrow";
import { UserError } from "../providers/common/user-error";
import { PROJECT_NAME } from "../providers/common/project";
import { PER_STACK_KEYS, SECRET_ENV } from "../stacks/config-keys";

// main.ts and the engine tests read SECRET_ENV from here.
export { SECRET_ENV };

/** One config entry as `pulumi config --json` prints it and `pulumi config set-all --json` takes it. */
export interface ConfigEntry {
  value: string;
  secret: boolean;
  objectValue?: unknown;
}

/** Config by full key (`forge-previews:forgeOrg`). */
export type ConfigEntries = Record<string, ConfigEntry>;

export const CONFIG_ENV = {
  file: "FORGE_PREVIEWS_CONFIG_FILE",
  inline: "FORGE_PREVIEWS_CONFIG",
  stack: "FORGE_PREVIEWS_CONFIG_STACK",
  secretsProvider: "FORGE_PREVIEWS_SECRETS_PROVIDER",
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A DNS server (`host:port`) for `doctor`'s wildcard check to ask instead of the system's resolver: the sandbox's box
 * answers its preview names on one of its own ports.
 */
export const DNS_SERVER_ENV = "FORGE_PREVIEWS_DNS_SERVER";

export interface BackendSettings {
  backendUrl: string;
  /** `--secrets-provider` for new stacks; null for the backend's default (the passphrase on a DIY backend). */
  secretsProvider: string | null;
}

/** Where a stack's shared configuration comes from. */
export type ConfigSource =
  { kind: "shared"; entries: ConfigEntries; origin: string } | { kind: "stack"; stack: string } | { kind: "existing" };

export function fullKey(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}

export function bareKey(key: string): string {
  return key.startsWith(`${PROJECT_NAME}:`) ? key.slice(PROJECT_NAME.length + 1) : key;
}

function nonEmpty(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === "" ? null : value;
}

/** The backend and how its secrets are protected; throws naming the variable to set. */
export function readBackendSettings(env: Env): BackendSettings {
  const backendUrl = nonEmpty(env, "PULUMI_BACKEND_URL");
  if (backendUrl === null) {
    throw new UserError(
      "PULUMI_BACKEND_URL is not set, so there is no state backend to keep the preview stacks in. Set it to the " +
        "shared backend (e.g. `s3://forge-previews-state?region=eu-west-1`, or `file://~/.forge-previews-state` on one machine).",
    );
  }
  const secretsProvider = nonEmpty(env, CONFIG_ENV.secretsProvider);
  // Pulumi Cloud keeps its own key; every other backend encrypts with the passphrase unless a KMS is named.
  const isCloud = /^https?:\/\//.test(backendUrl);
  const passphraseFile = nonEmpty(env, "PULUMI_CONFIG_PASSPHRASE_FILE");
  if (!isCloud && secretsProvider === null && env.PULUMI_CONFIG_PASSPHRASE === undefined && passphraseFile === null) {
    throw new UserError(
      "Neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set, so the stacks' secrets cannot be " +
        `decrypted. Set one of them to the passphrase the stacks were created with (or ${CONFIG_ENV.secretsProvider} to a KMS URL).`,
    );
  }
  if (passphraseFile !== null) {
    try {
      readFileSync(passphraseFile);
    } catch {
      throw new UserError(
        `PULUMI_CONFIG_PASSPHRASE_FILE names ${passphraseFile}, which cannot be read; point it at the passphrase file.`,
      );
    }
  }
  return { backendUrl, secretsProvider };
}

/** The secrets given through the environment, as config entries. */
export function secretEntriesFromEnv(env: Env): ConfigEntries {
  const entries: ConfigEntries = {};
  for (const [key, variable] of Object.entries(SECRET_ENV)) {
    const value = env[variable];
    if (value !== undefined && value !== "") entries[fullKey(key)] = { value, secret: true };
  }
  return entries;
}

/** Every secret value the environment holds, for redaction. */
export function secretValuesFromEnv(env: Env): string[] {
  return Object.values(secretEntriesFromEnv(env)).map((entry) => entry.value);
}

/** Shared configuration from the file or variable, plus the secret variables; else a stack to copy from. */
export function readConfigSource(
  env: Env,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): ConfigSource {
  const file = nonEmpty(env, CONFIG_ENV.file);
  const inline = nonEmpty(env, CONFIG_ENV.inline);
  const stack = nonEmpty(env, CONFIG_ENV.stack);
  if ([file, inline, stack].filter((v) => v !== null).length > 1) {
    throw new UserError(
      `Set only one of ${CONFIG_ENV.file}, ${CONFIG_ENV.inline} and ${CONFIG_ENV.stack}; they are alternative sources of the shared configuration.`,
    );
  }
  if (stack !== null) return { kind: "stack", stack };
  if (file === null && inline === null) return { kind: "existing" };
  let text: string;
  let origin: string;
  if (file !== null) {
    origin = `${CONFIG_ENV.file} (${file})`;
    try {
      text = readFile(file);
    } catch (error) {
      throw new UserError(
        `${origin} cannot be read (${(error as Error).message}); point it at the shared configuration file.`,
      );
    }
  } else {
    origin = CONFIG_ENV.inline;
    text = inline ?? "";
  }
  return { kind: "shared", entries: { ...parseSharedConfig(text, origin), ...secretEntriesFromEnv(env) }, origin };
}

/**
 * Parses the shared configuration: YAML or JSON, either a map of keys (`forgeOrg: acme`, or `forge-previews:forgeOrg`)
 * or a stack file's shape (`config: {...}`). Secrets and per-stack keys are refused, naming where they belong.
 */
export function parseSharedConfig(text: string, origin: string): ConfigEntries {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new UserError(`${origin} is not valid YAML or JSON (${(error as Error).message.split("\n")[0]}).`);
  }
  // A copy of a stack file keeps its keys under `config:`; no project key is called `config`.
  const map = isRecord(parsed) && isRecord(parsed.config) ? parsed.config : parsed;
  if (!isRecord(map)) {
    throw new UserError(
      `${origin} must be a map of config keys to values, e.g. \`{"forgeOrg": "acme", "forgeServerId": 123456}\`.`,
    );
  }
  const problems: string[] = [];
  const entries: ConfigEntries = {};
  for (const [rawKey, value] of Object.entries(map)) {
    const key = bareKey(rawKey);
    if (!/^([A-Za-z][A-Za-z0-9-]*:)?[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
      problems.push(`\`${rawKey}\` is not a config key (letters and digits, optionally \`namespace:\` first)`);
    } else if (SECRET_ENV[key] !== undefined) {
      problems.push(`\`${key}\` is a secret; remove it and put it in the ${SECRET_ENV[key]} environment variable`);
    } else if ((PER_STACK_KEYS as readonly string[]).includes(key)) {
      problems.push(`\`${key}\` is set per stack by the CLI; remove it`);
    } else if (isRecord(value) && "secure" in value) {
      problems.push(
        `\`${key}\` holds an encrypted value, which only its own stack can read; give it in plain text or as a secret variable`,
      );
    } else if (value === null || value === undefined) {
      problems.push(`\`${key}\` has no value; remove it or give one`);
    } else if (typeof value === "object") {
      entries[fullKey(key)] = { value: JSON.stringify(value), secret: false, objectValue: value };
    } else {
      entries[fullKey(key)] = { value: String(value), secret: false };
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      `${origin} has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return entries;
}

/** The entries as `parsePlainConfig` takes them: bare keys of this project, objects parsed; and which secrets are set. */
export function toRawConfig(entries: ConfigEntries): { raw: Record<string, unknown>; secretsSet: Set<string> } {
  const raw: Record<string, unknown> = {};
  const secretsSet = new Set<string>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!key.startsWith(`${PROJECT_NAME}:`)) continue;
    const bare = bareKey(key);
    if (entry.secret) {
      if (entry.value !== "") secretsSet.add(bare);
      continue;
    }
    raw[bare] = entry.objectValue !== undefined ? entry.objectValue : entry.value;
  }
  return { raw, secretsSet };
}

/** A command line that cannot be run as given; main prints the command's usage with it and exits with 2. */
export class UsageError extends UserError {
  override readonly name = "UsageError";
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;
type ParsedValues<T extends OptionSpec> = { [K in keyof T]?: T[K]["type"] extends "string" ? string : boolean };

/** `util.parseArgs` with strict checking, its errors turned into a UsageError that names the option. */
export function parseOptions<T extends OptionSpec>(
  argv: readonly string[],
  spec: T,
): { values: ParsedValues<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: true });
    return { values: values as ParsedValues<T>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, "."));
  }
}

/** The value of a required string option, or a UsageError naming it. */
export function requireOption(value: string | undefined, flag: string, what: string): string {
  if (value === undefined || value === "") throw new UsageError(`\`${flag}\` is required: ${what}.`);
  return value;
}
