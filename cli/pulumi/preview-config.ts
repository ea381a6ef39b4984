/**
 * The configuration a preview stack runs with: read from its source (shared file or variable, another stack, or the
 * stack itself), validated with the program's own rules before anything is written, then written to the stack with
 * the per-stack keys. Redeploy and reset tokens survive a machine without the stack file: they are read back from
 * the last update when the file is missing, since a changed token would redeploy or wipe the PR's data.
 */
import { randomBytes } from "node:crypto";
import { UserError } from "../../providers/common/user-error";
import { PER_STACK_KEYS, SECRET_KEYS } from "../../stacks/config-keys";
import { type PlainConfig, parsePlainConfig } from "../../stacks/config-rules";
import { type PreviewNames, buildStackName, candidateStackNames } from "../../stacks/naming";
import type { ServerKey } from "../../stacks/server-pool";
import {
  type ConfigEntries,
  type ConfigSource,
  type Env,
  fullKey,
  readConfigSource,
  secretEntriesFromEnv,
  toRawConfig,
} from "../cli-config";
import { type ValidPreviewRef, resolvePreviewNames } from "./preview-stack";
import type { PulumiCli } from "./runner";
import {
  clearLocalConfig,
  copyConfig,
  missingConfigHint,
  readConfig,
  readLocalPlainValues,
  writeConfig,
} from "./stack-config";
import { readLastUpdate } from "./stacks";

export type PerStackKey = (typeof PER_STACK_KEYS)[number];
/** What the CLI writes into one stack: its deployment inputs and, on a pool, its server. */
export type PerStackValues = Partial<Record<PerStackKey | ServerKey, string>>;

export interface ResolvedPreviewConfig {
  source: ConfigSource;
  /** The entries `config` was parsed from, secrets included (for the CLI's own SSH reads). */
  entries: ConfigEntries;
  config: PlainConfig;
  names: PreviewNames;
}

/** The configuration for `ref` and the preview's names; throws a UserError naming the fix for anything missing. */
export async function resolvePreviewConfig(
  cli: PulumiCli,
  env: Env,
  ref: ValidPreviewRef,
  existing: ReadonlySet<string>,
): Promise<ResolvedPreviewConfig> {
  const source = readConfigSource(env);
  let entries: ConfigEntries;
  if (source.kind === "shared") {
    requireSecretVariables(source.entries, source.origin);
    entries = source.entries;
  } else if (source.kind === "stack") {
    entries = { ...(await readConfig(cli, source.stack)), ...secretEntriesFromEnv(env) };
  } else {
    const own = candidateStackNames(ref).find((name) => existing.has(name));
    if (own === undefined) throw new UserError(missingConfigHint(buildStackName(ref)));
    entries = { ...(await readConfig(cli, own)), ...secretEntriesFromEnv(env) };
  }
  const config = parseEntries(entries, source);
  const names = resolvePreviewNames(ref, config);
  if (source.kind === "existing" && !existing.has(names.stack)) throw new UserError(missingConfigHint(names.stack));
  return { source, entries, config, names };
}

/** Validates entries with the program's rules; the error names where the configuration came from. */
export function parseEntries(entries: ConfigEntries, source: ConfigSource): PlainConfig {
  const { raw, secretsSet } = toRawConfig(entries);
  try {
    return parsePlainConfig(raw, secretsSet);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const origin =
      source.kind === "shared"
        ? source.origin
        : source.kind === "stack"
          ? `stack ${source.stack}`
          : "the stack's own configuration";
    throw new UserError(`${error.message}\n(configuration from ${origin})`);
  }
}

/** With shared configuration the secrets must come from the environment; say which variable is missing. */
function requireSecretVariables(entries: ConfigEntries, origin: string): void {
  const missing = SECRET_KEYS.filter(({ key, required }) => required && entries[fullKey(key)] === undefined);
  if (missing.length > 0) {
    const variables = missing.map(({ key, env }) => `${env ?? key} (${key})`).join(", ");
    throw new UserError(
      `The shared configuration (${origin}) needs its secrets from the environment; set ${variables}.`,
    );
  }
}

/**
 * The per-stack values a stack already has: from its local file, else from the config of its last update. `keys`
 * adds the server keys, which only a pool keeps (with one server the shared values apply).
 */
export async function readKeptValues(
  cli: PulumiCli,
  projectDir: string,
  stack: string,
  keys: ReadonlyArray<PerStackKey | ServerKey> = PER_STACK_KEYS,
): Promise<PerStackValues> {
  const pick = (values: Record<string, string>): PerStackValues =>
    Object.fromEntries(
      keys.flatMap((key) => (values[fullKey(key)] === undefined ? [] : [[key, values[fullKey(key)]]])),
    );
  const local = pick(readLocalPlainValues(projectDir, stack) ?? {});
  if (PER_STACK_KEYS.every((key) => local[key] !== undefined)) return local;
  const last = await readLastUpdate(cli, stack);
  return { ...pick(last?.config ?? {}), ...local };
}

/** A value no earlier token had: a new one is what makes the program redeploy or clone again. */
export function newToken(now: Date = new Date()): string {
  return `${now.toISOString()}-${randomBytes(3).toString("hex")}`;
}

/** Writes the stack's configuration from its source, the secrets from the environment, and `perStack` on top. */
export async function applyPreviewConfig(
  cli: PulumiCli,
  options: { projectDir: string; env: Env; stack: string; source: ConfigSource; perStack: PerStackValues },
): Promise<void> {
  const { projectDir, env, stack, source, perStack } = options;
  const perStackEntries: ConfigEntries = Object.fromEntries(
    Object.entries(perStack).map(([key, value]) => [fullKey(key), { value: value ?? "", secret: false }]),
  );
  if (source.kind === "shared") {
    clearLocalConfig(projectDir, stack);
    await writeConfig(cli, stack, { ...source.entries, ...perStackEntries });
    return;
  }
  if (source.kind === "stack") {
    clearLocalConfig(projectDir, stack);
    await copyConfig(cli, source.stack, stack);
  }
  await writeConfig(cli, stack, { ...secretEntriesFromEnv(env), ...perStackEntries });
}
