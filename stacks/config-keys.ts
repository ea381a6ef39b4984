/**
 * Every configuration key of the project in one table: whether it is secret, the environment variable the CLI reads
 * it from, and how to set it. The program's rules, the CLI, `doctor` and the redactor all read this table, so a new
 * key (above all a new secret) is added here once. Defaults stay beside the rules that apply them (CONFIG_DEFAULTS).
 */

export interface ConfigKey {
  key: string;
  /** Secrets are never part of the shared configuration and never printed. */
  secret: boolean;
  /**
   * Declared in Pulumi.yaml with no default, so every stack must set it. Optional secrets are not declared at all:
   * Pulumi refuses a declared secret that has no value.
   */
  required: boolean;
  /** The environment variable the CLI takes the value from; secrets only (plain keys come with the shared config). */
  env: string | null;
  /** What sets the key, as the end of a problem message. */
  fix: string;
}

/** Keys that belong to one stack; the CLI sets them, and shared configuration must not. */
export const PER_STACK_KEYS = ["branch", "commitSha", "redeployToken", "databaseResetToken"] as const;

function plain(key: string, example: string, required = false): ConfigKey {
  return { key, secret: false, required, env: null, fix: `set it with \`pulumi config set ${key} ${example}\`` };
}

function plainWithFix(key: string, fix: string, required = false): ConfigKey {
  return { key, secret: false, required, env: null, fix };
}

function secret(key: string, env: string, fix: string, required = false): ConfigKey {
  return { key, secret: true, required, env, fix };
}

const PER_STACK_FIX = "the CLI sets it per stack (`forge-previews up`)";

export const CONFIG_KEYS: readonly ConfigKey[] = [
  plain("forgeApiUrl", "https://forge.laravel.com/api"),
  plain("forgeOrg", "acme", true),
  plain("forgeServerId", "123456", true),
  secret(
    "forgeToken",
    "FORGE_TOKEN",
    "create a token in Forge (Account → API) and set it with `pulumi config set --secret forgeToken`",
    true,
  ),
  plain("previewDomain", "staging.example.com", true),
  plain("defaultApp", "customer"),
  plainWithFix(
    "apps",
    "set it with `pulumi config set --path 'apps.customer.repository' acme/customer` (and masterDatabase)",
    true,
  ),
  plain("phpVersion", "php84"),
  plain("sshHost", "203.0.113.10", true),
  plain("sshPort", "22"),
  plain("sshUser", "forge"),
  secret(
    "sshPrivateKey",
    "FORGE_PREVIEWS_SSH_PRIVATE_KEY",
    "set it with `pulumi config set --secret sshPrivateKey < ~/.ssh/forge_previews`",
    true,
  ),
  plain("sshHostKeyFingerprint", "SHA256:...", true),
  plain("mysqlUser", "forge"),
  plain("mysqlSocket", '""'),
  plain("mysqlDataDir", '""'),
  plain("cloneMethod", "auto"),
  plainWithFix(
    "poolServers",
    "set it with `pulumi config set --path 'poolServers[0].forgeServerId' 234567` (and sshHost, sshHostKeyFingerprint)",
  ),
  plain("redisSlotRange", "2-15"),
  plain("maxEnvironments", "10"),
  plain("maxMemoryPercent", "90"),
  plain("diskMargin", "2"),
  plain("basicAuthMode", "generated"),
  plain("basicAuthUsername", "preview"),
  plain("basicAuthPasswordHint", "'1Password: Preview basic auth'"),
  plain("certificateMode", "letsencrypt"),
  plain("wildcardCertificateId", "0"),
  plainWithFix("productionDatabases", "set it with `pulumi config set --path 'productionDatabases[0]' customer`"),
  plain("snapshotsStack", "snapshots"),
  plainWithFix("alerts", "set it with `pulumi config set --path 'alerts.issueRepository' acme/ops`"),
  ...PER_STACK_KEYS.map((key) => plainWithFix(key, PER_STACK_FIX)),
  plain("healthUrlTemplate", "https://{domain}{path}"),
  plain("healthResolve", "203.0.113.10"),
  plain("redisPort", "6379"),
  plain("mysqlPort", "3306"),
  plain("cloudflareDns", "true"),
  plainWithFix("cloudflareZoneId", "copy it from the Cloudflare dashboard's Overview page"),
  secret("redisPassword", "FORGE_PREVIEWS_REDIS_PASSWORD", "set it with `pulumi config set --secret redisPassword`"),
  secret("mysqlPassword", "FORGE_PREVIEWS_MYSQL_PASSWORD", "set it with `pulumi config set --secret mysqlPassword`"),
  secret(
    "sudoPassword",
    "FORGE_PREVIEWS_SUDO_PASSWORD",
    "set it with `pulumi config set --secret sudoPassword` (the sudo password Forge showed for sshUser at provisioning)",
  ),
  secret(
    "basicAuthPassword",
    "FORGE_PREVIEWS_BASIC_AUTH_PASSWORD",
    "set it with `pulumi config set --secret basicAuthPassword`",
  ),
];

const BY_KEY = new Map(CONFIG_KEYS.map((entry) => [entry.key, entry]));

/** The table's entry for `key`; an unknown key is a bug in the caller, not a user's mistake. */
export function configKey(key: string): ConfigKey {
  const entry = BY_KEY.get(key);
  if (entry === undefined) throw new Error(`\`${key}\` is not a configuration key of this project`);
  return entry;
}

export const SECRET_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((entry) => entry.secret);

/** Plain keys, read with `config.get`; secrets are read (and only checked for presence) separately. */
export const PLAIN_KEYS: readonly string[] = CONFIG_KEYS.filter((entry) => !entry.secret).map((entry) => entry.key);

/** Secret config key → the environment variable the CLI reads it from. */
export const SECRET_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  SECRET_KEYS.flatMap((entry) => (entry.env === null ? [] : [[entry.key, entry.env]])),
);
