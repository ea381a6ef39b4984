/**
 * Pure validation of the project's stack configuration (the keys declared in Pulumi.yaml).
 * `stacks/config.ts` feeds it the raw values; keeping it free of Pulumi makes every rule a table test.
 */
import { isIP } from "node:net";
import { LINUX_USER } from "../providers/common/linux-user";
import { isRecord } from "../providers/common/narrow";
import { ConfigError } from "../providers/common/user-error";
import { detectLiveSecret } from "../providers/common/live-secrets";
import { isPreviewDatabaseName } from "../providers/common/ownership";
import { COMMIT_SHA, branchProblem } from "../providers/deployment/script";
import { PROJECT_NAME } from "../providers/common/project";
import { CONNECTION_ENV_KEYS, MAX_ENV_TOTAL_BYTES, envValueProblem } from "./app-env";
import { SECRET_KEYS, configKey } from "./config-keys";
import { findDatabaseUserClash } from "./naming";
import { type PoolServer, parseServerPool } from "./server-pool";

export type BasicAuthMode = "generated" | "shared" | "off";
export type CertificateMode = "letsencrypt" | "clone" | "off";

export interface QueueConfig {
  connection: string;
  queues: string;
  processes: number;
  tries: number;
}

export interface AppConfig {
  name: string;
  repository: string;
  masterDatabase: string;
  productionDatabase: string | null;
  phpVersion: string;
  webDirectory: string;
  healthPath: string;
  deployScriptExtras: string[];
  env: Record<string, string>;
  queue: QueueConfig;
  maskingSql: string | null;
  /** Pushes to a PR with a preview deploy the new head (the GitHub automation); false leaves that to `/update`. */
  autoUpdate: boolean;
}

/** Everything but the secrets, which `stacks/config.ts` adds as `Output`s. */
export interface PlainConfig {
  forge: { apiUrl: string; org: string; serverId: number };
  previewDomain: string;
  defaultApp: string | null;
  apps: Record<string, AppConfig>;
  ssh: { host: string; port: number; user: string; hostKeyFingerprint: string };
  redisSlots: { first: number; last: number };
  maxEnvironments: number;
  /** Admission of new previews by the server's headroom (cli/status/headroom.ts). */
  headroom: { maxMemoryPercent: number; diskMargin: number };
  /** `passwordHint`: where reviewers find the shared password (a password-manager item), shown on the PR. */
  basicAuth: { mode: BasicAuthMode; username: string; passwordHint: string | null };
  certificate: { mode: CertificateMode; wildcardCertificateId: number | null };
  productionDatabases: string[];
  snapshotsStack: string;
  /** Where operators are alerted (cli/alerts); the webhook, a secret, comes from the environment instead. */
  alerts: { issueRepository: string | null };
  cloudflare: { enabled: boolean; zoneId: string | null };
  /** Per-stack deployment inputs, set by the CLI; null/empty on stacks that deploy nothing. */
  deploy: { branch: string | null; commitSha: string | null; redeployToken: string; databaseResetToken: string };
  healthUrlTemplate: string;
  /** Where the health check connects for the preview's domain; null asks DNS. */
  healthResolve: string | null;
  redisPort: number;
  /** The port the app reaches the server's MySQL on (DB_PORT). */
  mysqlPort: number;
  /** The clone engine reads the MySQL keys at call time; here they are only validated. */
  cloneMethod: CloneMethod;
  /** The MySQL account the clone engine uses (its password is the secret mysqlPassword). */
  mysqlUser: string;
  /** The servers previews may be placed on: the top-level one first, then `poolServers` (see server-pool.ts). */
  pool: PoolServer[];
}

export type CloneMethod = "auto" | "transport" | "parallel-dump" | "stream-dump";

/** The raw values as Pulumi hands them over: strings, numbers, booleans, parsed objects, or undefined. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** Keys the preview environment writes into `.env` itself; an app override must not redirect them. */
export const MANAGED_ENV_KEYS: readonly string[] = [
  "APP_NAME",
  "APP_ENV",
  "APP_KEY",
  "APP_URL",
  "APP_DEBUG",
  "DB_CONNECTION",
  "DB_HOST",
  "DB_PORT",
  "DB_DATABASE",
  "DB_USERNAME",
  "DB_PASSWORD",
  "REDIS_HOST",
  "REDIS_PORT",
  "REDIS_PASSWORD",
  "REDIS_DB",
  "REDIS_CACHE_DB",
  "REDIS_PREFIX",
  "CACHE_PREFIX",
  "QUEUE_CONNECTION",
  "SESSION_DRIVER",
  "MAIL_MAILER",
];

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DB_IDENTIFIER = /^[A-Za-z0-9_]{1,64}$/;
const APP_NAME = /^[a-z][a-z0-9]{0,19}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const ENV_KEY = /^[A-Z][A-Z0-9_]*$/;
const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A malformed key as a message may show it: it may be half a `KEY=value` line, so only its leading key characters. */
function describeEnvKey(key: string): string {
  const lead = /^[A-Za-z0-9_]{0,40}/.exec(key)?.[0] ?? "";
  return lead === key ? key : `${lead}…`;
}

/** Collects every problem instead of stopping at the first, then throws them together. */
class Problems {
  readonly list: string[] = [];

  add(key: string, problem: string, fix: string): void {
    this.list.push(`\`${PROJECT_NAME}:${key}\` ${problem}; ${fix}`);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError(this.list);
  }
}

/** The table's fix for `key`, or the same command with a value that fits this problem better. */
function setHint(key: string, example?: string): string {
  return example === undefined ? configKey(key).fix : `set it with \`pulumi config set ${key} ${example}\``;
}

function readString(raw: RawConfig, key: string, problems: Problems): string {
  const value = raw[key];
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  problems.add(key, value === undefined ? "is missing" : "must be a non-empty string", setHint(key));
  return "";
}

function readInteger(raw: RawConfig, key: string, problems: Problems, min: number, max: number): number {
  const value = raw[key];
  const parsed = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed === "number" && Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
  problems.add(
    key,
    value === undefined ? "is missing" : `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    setHint(key),
  );
  return min;
}

function readEnum<T extends string>(raw: RawConfig, key: string, allowed: readonly T[], problems: Problems): T {
  const value = raw[key];
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  problems.add(
    key,
    `must be one of ${allowed.map((a) => `\`${a}\``).join(", ")}, not ${JSON.stringify(value)}`,
    setHint(key),
  );
  return allowed[0];
}

export function isDnsName(name: string): boolean {
  const labels = name.split(".");
  return name.length <= 253 && labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label));
}

function parseApiUrl(raw: RawConfig, problems: Problems): string {
  const value = readString(raw, "forgeApiUrl", problems);
  if (value === "") return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add("forgeApiUrl", `is not a URL (${JSON.stringify(value)})`, setHint("forgeApiUrl"));
    return value;
  }
  const isLocal = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(isLocal && url.protocol === "http:")) {
    problems.add(
      "forgeApiUrl",
      "must use https (plain http is only accepted for 127.0.0.1, the local simulator)",
      "use the https:// URL",
    );
  }
  if (/\/api\/v1\/?$/.test(url.pathname)) {
    problems.add(
      "forgeApiUrl",
      "points at Forge's legacy /api/v1, which is shut down",
      "use the org-scoped API root, https://forge.laravel.com/api",
    );
  }
  return value.replace(/\/+$/, "");
}

function parseRedisSlots(raw: RawConfig, problems: Problems): { first: number; last: number } {
  const value = raw["redisSlotRange"];
  const match = typeof value === "string" ? /^(\d{1,3})-(\d{1,3})$/.exec(value.trim()) : null;
  if (!match) {
    problems.add("redisSlotRange", `must look like \`2-15\`, not ${JSON.stringify(value)}`, setHint("redisSlotRange"));
    return { first: 2, last: 15 };
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (first > last) {
    problems.add(
      "redisSlotRange",
      `starts after it ends (${first} > ${last})`,
      setHint("redisSlotRange", `${last}-${first}`),
    );
  }
  if (first < 2) {
    problems.add(
      "redisSlotRange",
      "includes Redis database 0 or 1, which Laravel production uses for REDIS_DB and REDIS_CACHE_DB",
      setHint("redisSlotRange"),
    );
  }
  return { first, last };
}

function parseQueue(value: unknown, at: string, problems: Problems): QueueConfig {
  const queue = { connection: "redis", queues: "default", processes: 1, tries: 3 };
  if (value === undefined) return queue;
  if (!isRecord(value)) {
    problems.add(at, 'must be an object like {"processes": 1}', "fix the apps entry");
    return queue;
  }
  for (const key of ["connection", "queues"] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v === "string" && /^[A-Za-z0-9_,:-]+$/.test(v)) queue[key] = v;
    else problems.add(`${at}.${key}`, "must be letters, digits, `_`, `-`, `:` or `,`", "fix the apps entry");
  }
  for (const [key, max] of [
    ["processes", 8],
    ["tries", 100],
  ] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max) queue[key] = v;
    else problems.add(`${at}.${key}`, `must be a whole number from 1 to ${max}`, "fix the apps entry");
  }
  return queue;
}

function parseApp(name: string, value: unknown, defaults: { phpVersion: string }, problems: Problems): AppConfig {
  const at = `apps.${name}`;
  const app: AppConfig = {
    name,
    repository: "",
    masterDatabase: "",
    productionDatabase: null,
    phpVersion: defaults.phpVersion,
    webDirectory: "/public",
    healthPath: "/up",
    deployScriptExtras: [],
    env: {},
    queue: { connection: "redis", queues: "default", processes: 1, tries: 3 },
    maskingSql: null,
    autoUpdate: true,
  };
  if (!APP_NAME.test(name)) {
    problems.add(
      at,
      "has a name that is not 1-20 lowercase letters and digits starting with a letter (it becomes part of DNS, MySQL and Linux names)",
      "rename the key",
    );
  }
  if (!isRecord(value)) {
    problems.add(
      at,
      "must be an object with at least `repository` and `masterDatabase`",
      "see Pulumi.yaml's description of `apps`",
    );
    return app;
  }
  const str = (key: string): string | undefined => {
    const v = value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    problems.add(`${at}.${key}`, "must be a string", "fix the apps entry");
    return undefined;
  };
  const repository = str("repository");
  if (repository !== undefined && REPOSITORY.test(repository)) app.repository = repository;
  else
    problems.add(
      `${at}.repository`,
      repository === undefined ? "is missing" : `must be \`owner/name\`, not ${JSON.stringify(repository)}`,
      "add the GitHub repository",
    );
  const master = str("masterDatabase");
  if (master !== undefined && DB_IDENTIFIER.test(master)) app.masterDatabase = master;
  else
    problems.add(
      `${at}.masterDatabase`,
      master === undefined
        ? "is missing"
        : `must be a MySQL name of letters, digits and _ (at most 64), not ${JSON.stringify(master)}`,
      "name the snapshot database to clone",
    );
  const production = str("productionDatabase");
  if (production !== undefined) {
    if (DB_IDENTIFIER.test(production)) app.productionDatabase = production;
    else
      problems.add(`${at}.productionDatabase`, "must be a MySQL name of letters, digits and _", "fix the apps entry");
    if (production === master)
      problems.add(
        `${at}.masterDatabase`,
        "is the production database itself",
        "clone from a snapshot master, never from production",
      );
  }
  const php = str("phpVersion");
  if (php !== undefined) {
    if (/^php\d{2}$/.test(php)) app.phpVersion = php;
    else problems.add(`${at}.phpVersion`, `must look like \`php84\`, not ${JSON.stringify(php)}`, "fix the apps entry");
  }
  const webDirectory = str("webDirectory");
  if (webDirectory !== undefined) {
    if (/^\/[A-Za-z0-9_./-]*$/.test(webDirectory) && !webDirectory.includes("..")) app.webDirectory = webDirectory;
    else problems.add(`${at}.webDirectory`, "must start with / and hold no spaces or `..`", "e.g. `/public`");
  }
  const healthPath = str("healthPath");
  if (healthPath !== undefined) {
    if (/^\/[^\s]*$/.test(healthPath)) app.healthPath = healthPath;
    else problems.add(`${at}.healthPath`, "must start with / and hold no spaces", "e.g. `/up`");
  }
  const extras = value["deployScriptExtras"];
  if (extras !== undefined) {
    if (Array.isArray(extras) && extras.every((l) => typeof l === "string" && !/[\n\r\0]/.test(l)))
      app.deployScriptExtras = extras as string[];
    else
      problems.add(
        `${at}.deployScriptExtras`,
        "must be an array of single-line strings",
        "put one shell command per item",
      );
  }
  const env = value["env"];
  if (env !== undefined) {
    if (!isRecord(env)) {
      problems.add(`${at}.env`, "must be an object of KEY: value strings", "fix the apps entry");
    } else {
      let totalBytes = 0;
      for (const [key, v] of Object.entries(env)) {
        // Keys are named in messages, values never: overrides often hold credentials.
        const valueProblem = typeof v === "string" ? envValueProblem(v) : null;
        if (!ENV_KEY.test(key))
          problems.add(
            `${at}.env.${describeEnvKey(key)}`,
            "is not an upper-case .env key (letters, digits and _, starting with a letter)",
            "use names like `STRIPE_KEY`",
          );
        else if (MANAGED_ENV_KEYS.includes(key))
          problems.add(
            `${at}.env.${key}`,
            "is set by the preview environment itself (it keeps previews away from production data)",
            "remove it from the app's env",
          );
        else if (key in CONNECTION_ENV_KEYS) {
          problems.add(
            `${at}.env.${key}`,
            `${CONNECTION_ENV_KEYS[key]}; a preview must use only its own database and Redis`,
            "remove it from the app's env (the preview sets DB_* and REDIS_* itself)",
          );
        } else if (typeof v !== "string") problems.add(`${at}.env.${key}`, "must be a string", "quote the value");
        else if (valueProblem !== null)
          problems.add(`${at}.env.${key}`, valueProblem, "fix or remove the value in the app's env");
        else if (detectLiveSecret(v))
          problems.add(
            `${at}.env.${key}`,
            `looks like ${detectLiveSecret(v)}; a preview runs PR code on production-derived data`,
            "use the provider's test-mode key",
          );
        else {
          app.env[key] = v;
          totalBytes += Buffer.byteLength(key, "utf8") + Buffer.byteLength(v, "utf8");
        }
      }
      if (totalBytes > MAX_ENV_TOTAL_BYTES) {
        problems.add(
          `${at}.env`,
          `holds ${totalBytes} bytes, more than the ${MAX_ENV_TOTAL_BYTES} the overrides may hold together`,
          "move large values out of .env",
        );
      }
    }
  }
  app.queue = parseQueue(value["queue"], `${at}.queue`, problems);
  const masking = str("maskingSql");
  if (masking !== undefined && masking.trim() !== "") app.maskingSql = masking;
  const autoUpdate = value["autoUpdate"];
  if (typeof autoUpdate === "boolean") app.autoUpdate = autoUpdate;
  else if (autoUpdate !== undefined)
    problems.add(`${at}.autoUpdate`, "must be true or false", "leave it out to update previews on every push");
  return app;
}

function parseApps(raw: RawConfig, phpVersion: string, problems: Problems): Record<string, AppConfig> {
  let value = raw["apps"];
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      problems.add("apps", "is not valid JSON", setHint("apps"));
      return {};
    }
  }
  if (!isRecord(value) || Object.keys(value).length === 0) {
    problems.add(
      "apps",
      value === undefined ? "is missing" : "must be an object with at least one app",
      setHint("apps"),
    );
    return {};
  }
  return Object.fromEntries(
    Object.entries(value).map(([name, app]) => [name, parseApp(name, app, { phpVersion }, problems)]),
  );
}

/** `alerts`: only `issueRepository` (owner/name, or empty for none); anything else is a typo worth naming. */
function parseAlerts(raw: RawConfig, problems: Problems): PlainConfig["alerts"] {
  let value = raw["alerts"];
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = null;
    }
  }
  if (!isRecord(value)) {
    problems.add("alerts", "must be an object such as `{ issueRepository: acme/ops }`", setHint("alerts"));
    return { issueRepository: null };
  }
  for (const key of Object.keys(value).filter((k) => k !== "issueRepository"))
    problems.add(`alerts.${key}`, "is not an alerts setting (only `issueRepository`)", "remove it");
  const repository = value["issueRepository"];
  if (repository === undefined || repository === "") return { issueRepository: null };
  if (typeof repository !== "string" || !REPOSITORY.test(repository.trim())) {
    problems.add("alerts.issueRepository", "must be a repository as `owner/name`", setHint("alerts"));
    return { issueRepository: null };
  }
  return { issueRepository: repository.trim() };
}

/**
 * The defaults Pulumi.yaml declares. The CLI applies them before the program runs, but unit tests under mocks and
 * the CLI's own checks read config without the engine, so they are applied here too (a test keeps both in step).
 */
export const CONFIG_DEFAULTS = {
  forgeApiUrl: "https://forge.laravel.com/api",
  defaultApp: "",
  phpVersion: "php84",
  sshPort: 22,
  sshUser: "forge",
  redisSlotRange: "2-15",
  maxEnvironments: 10,
  maxMemoryPercent: 90,
  diskMargin: 2,
  basicAuthMode: "generated",
  basicAuthUsername: "preview",
  basicAuthPasswordHint: "",
  certificateMode: "letsencrypt",
  wildcardCertificateId: 0,
  productionDatabases: [],
  snapshotsStack: "snapshots",
  alerts: {},
  cloudflareDns: false,
  cloudflareZoneId: "",
  branch: "",
  commitSha: "",
  redeployToken: "",
  databaseResetToken: "",
  healthUrlTemplate: "https://{domain}{path}",
  healthResolve: "",
  redisPort: 6379,
  mysqlPort: 3306,
  mysqlUser: "forge",
  mysqlSocket: "",
  mysqlDataDir: "",
  cloneMethod: "auto",
  poolServers: [],
} as const satisfies RawConfig;

/** Validates the raw configuration and returns it typed, or throws one ConfigError listing every problem. */
export function parsePlainConfig(given: RawConfig, secretsSet: ReadonlySet<string>): PlainConfig {
  const raw: RawConfig = {
    ...CONFIG_DEFAULTS,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  };
  const problems = new Problems();
  const apiUrl = parseApiUrl(raw, problems);
  const org = readString(raw, "forgeOrg", problems);
  if (org !== "" && !/^[a-z0-9][a-z0-9-]*$/.test(org)) {
    problems.add(
      "forgeOrg",
      `must be the organization slug (lowercase letters, digits, dashes), not ${JSON.stringify(org)}`,
      "copy the slug from `GET /api/orgs`",
    );
  }
  const serverId = readInteger(raw, "forgeServerId", problems, 1, Number.MAX_SAFE_INTEGER);

  const previewDomain = readString(raw, "previewDomain", problems).toLowerCase();
  if (previewDomain !== "" && !isDnsName(previewDomain)) {
    problems.add(
      "previewDomain",
      `is not a DNS name with at least two labels (${JSON.stringify(previewDomain)})`,
      setHint("previewDomain"),
    );
  } else if (previewDomain.length > 253 - 64) {
    problems.add(
      "previewDomain",
      "leaves no room for the per-preview label under the 253-character DNS limit",
      "use a shorter domain",
    );
  }

  const phpVersion = readString(raw, "phpVersion", problems);
  if (phpVersion !== "" && !/^php\d{2}$/.test(phpVersion))
    problems.add("phpVersion", `must look like \`php84\`, not ${JSON.stringify(phpVersion)}`, setHint("phpVersion"));
  const apps = parseApps(raw, phpVersion, problems);

  const clash = findDatabaseUserClash(Object.keys(apps));
  if (clash) {
    problems.add(
      `apps.${clash[1]}`,
      `shares its 16-character database user names with \`${clash[0]}\``,
      "rename one of the two apps",
    );
  }

  const defaultAppRaw = typeof raw["defaultApp"] === "string" ? (raw["defaultApp"] as string).trim() : "";
  let defaultApp: string | null = null;
  if (defaultAppRaw !== "") {
    if (apps[defaultAppRaw]) defaultApp = defaultAppRaw;
    else
      problems.add(
        "defaultApp",
        `names no app in \`apps\` (${JSON.stringify(defaultAppRaw)})`,
        `use one of: ${Object.keys(apps).join(", ") || "(none configured)"}`,
      );
  } else if (Object.keys(apps).length === 1) {
    defaultApp = Object.keys(apps)[0];
  }

  const sshHost = readString(raw, "sshHost", problems);
  if (sshHost !== "" && !/^[A-Za-z0-9.:-]+$/.test(sshHost))
    problems.add("sshHost", "must be a host name or IP address", setHint("sshHost"));
  const sshPort = readInteger(raw, "sshPort", problems, 1, 65535);
  const sshUser = readString(raw, "sshUser", problems);
  if (sshUser !== "" && !LINUX_USER.test(sshUser))
    problems.add("sshUser", "must be a Linux user name", setHint("sshUser"));
  const fingerprint = readString(raw, "sshHostKeyFingerprint", problems);
  if (fingerprint !== "" && !SHA256_FINGERPRINT.test(fingerprint)) {
    problems.add(
      "sshHostKeyFingerprint",
      "must be a SHA256 fingerprint as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it (SHA256: and 43 characters)",
      "run that on the server and copy the second field",
    );
  }

  const redisSlots = parseRedisSlots(raw, problems);
  const maxEnvironments = readInteger(raw, "maxEnvironments", problems, 1, 1000);
  const slotCount = redisSlots.last - redisSlots.first + 1;
  if (slotCount > 0 && maxEnvironments > slotCount) {
    problems.add(
      "maxEnvironments",
      `is ${maxEnvironments} but redisSlotRange holds only ${slotCount} Redis databases, one per environment`,
      `lower it to ${slotCount} or widen redisSlotRange`,
    );
  }

  const maxMemoryPercent = readInteger(raw, "maxMemoryPercent", problems, 1, 100);
  const diskMargin = readInteger(raw, "diskMargin", problems, 0, 100);

  const basicAuthMode = readEnum(raw, "basicAuthMode", ["generated", "shared", "off"] as const, problems);
  if (basicAuthMode === "shared" && !secretsSet.has("basicAuthPassword")) {
    problems.add("basicAuthPassword", "is required when basicAuthMode is `shared`", setHint("basicAuthPassword"));
  }
  const basicAuthUsername = readString(raw, "basicAuthUsername", problems);
  // Shown on every PR: a pointer to the password, never a password (the secret has its own key).
  const hintValue = raw["basicAuthPasswordHint"];
  const passwordHint = typeof hintValue === "string" && hintValue.trim() !== "" ? hintValue.trim() : null;
  if (passwordHint !== null && (passwordHint.length > 200 || /[\r\n]/.test(passwordHint)))
    problems.add(
      "basicAuthPasswordHint",
      "must be one line of at most 200 characters",
      setHint("basicAuthPasswordHint"),
    );
  if (basicAuthUsername.length > 50 || basicAuthUsername.includes(":")) {
    problems.add("basicAuthUsername", "must be at most 50 characters without `:`", setHint("basicAuthUsername"));
  }

  const certificateMode = readEnum(raw, "certificateMode", ["letsencrypt", "clone", "off"] as const, problems);
  const wildcardId = readInteger(raw, "wildcardCertificateId", problems, 0, Number.MAX_SAFE_INTEGER);
  if (certificateMode === "clone" && wildcardId === 0) {
    problems.add(
      "wildcardCertificateId",
      "is required when certificateMode is `clone`",
      "set it to the id of the wildcard certificate already on the server",
    );
  }

  const productionDatabases = raw["productionDatabases"] ?? [];
  const production: string[] = [];
  if (
    Array.isArray(productionDatabases) &&
    productionDatabases.every((d) => typeof d === "string" && DB_IDENTIFIER.test(d))
  ) {
    production.push(...(productionDatabases as string[]));
  } else {
    problems.add("productionDatabases", "must be an array of MySQL database names", setHint("productionDatabases"));
  }
  for (const app of Object.values(apps)) {
    for (const [field, name] of [
      ["masterDatabase", app.masterDatabase],
      ["productionDatabase", app.productionDatabase],
    ] as const) {
      if (name && isPreviewDatabaseName(name)) {
        problems.add(
          `apps.${app.name}.${field}`,
          `(${name}) has the form of a preview database name, which previews own and drop`,
          "rename that database or pick another one",
        );
      }
    }
    if (app.productionDatabase) production.push(app.productionDatabase);
    if (app.masterDatabase && production.includes(app.masterDatabase)) {
      problems.add(
        `apps.${app.name}.masterDatabase`,
        `is a production database (${app.masterDatabase})`,
        "clone from a snapshot master, never from production",
      );
    }
  }

  const snapshotsStack = readString(raw, "snapshotsStack", problems);
  const alerts = parseAlerts(raw, problems);
  const cloudflareEnabled = raw["cloudflareDns"] === true || raw["cloudflareDns"] === "true";
  const zoneId = typeof raw["cloudflareZoneId"] === "string" ? (raw["cloudflareZoneId"] as string).trim() : "";
  if (cloudflareEnabled && !/^[a-f0-9]{32}$/.test(zoneId)) {
    problems.add(
      "cloudflareZoneId",
      "must be the 32-character zone id when cloudflareDns is true",
      setHint("cloudflareZoneId"),
    );
  }

  const branch = typeof raw["branch"] === "string" ? (raw["branch"] as string) : "";
  const branchIssue = branch === "" ? null : branchProblem(branch);
  if (branchIssue)
    problems.add("branch", `${branchIssue}, so it is not a git branch name`, "set it to the PR's head branch");
  const commitSha = typeof raw["commitSha"] === "string" ? (raw["commitSha"] as string).trim() : "";
  if (commitSha !== "" && !COMMIT_SHA.test(commitSha)) {
    problems.add("commitSha", "must be a full commit id (40 or 64 hex digits) or empty", "set it to the PR's head SHA");
  }
  const tokens: Record<string, string> = {};
  for (const key of ["redeployToken", "databaseResetToken"]) {
    const value = raw[key];
    if (typeof value === "string" && /^[A-Za-z0-9._:-]{0,100}$/.test(value)) tokens[key] = value;
    else
      problems.add(key, "must be up to 100 letters, digits, `.`, `_`, `:` or `-`", "use e.g. a timestamp or a run id");
  }
  const healthUrlTemplate = readString(raw, "healthUrlTemplate", problems);
  if (
    healthUrlTemplate !== "" &&
    !/^(https:\/\/|http:\/\/127\.0\.0\.1[:/])[^\s]*\{domain\}[^\s]*$/.test(healthUrlTemplate)
  ) {
    problems.add(
      "healthUrlTemplate",
      "must be an https URL (http only for 127.0.0.1) containing `{domain}`",
      setHint("healthUrlTemplate"),
    );
  }
  const healthResolve = typeof raw["healthResolve"] === "string" ? raw["healthResolve"].trim() : "";
  if (
    raw["healthResolve"] !== undefined &&
    (typeof raw["healthResolve"] !== "string" || (healthResolve !== "" && isIP(healthResolve) === 0))
  )
    problems.add("healthResolve", "must be empty or an IPv4 or IPv6 address", setHint("healthResolve"));
  const redisPort = readInteger(raw, "redisPort", problems, 1, 65535);
  const mysqlPort = readInteger(raw, "mysqlPort", problems, 1, 65535);
  const mysqlUser = readString(raw, "mysqlUser", problems);
  if (mysqlUser !== "" && !/^[A-Za-z0-9_.-]{1,80}$/.test(mysqlUser))
    problems.add("mysqlUser", "must be a MySQL account name", setHint("mysqlUser"));
  for (const key of ["mysqlSocket", "mysqlDataDir"]) {
    const value = raw[key];
    if (typeof value !== "string" || (value !== "" && !/^\/[A-Za-z0-9_./-]+$/.test(value))) {
      problems.add(key, "must be empty or an absolute path without spaces", setHint(key));
    }
  }
  const cloneMethod = readEnum(
    raw,
    "cloneMethod",
    ["auto", "transport", "parallel-dump", "stream-dump"] as const,
    problems,
  );

  for (const { key, required, fix } of SECRET_KEYS) {
    if (required && !secretsSet.has(key)) problems.add(key, "is missing", fix);
  }
  const { pool, problems: poolProblems } = parseServerPool(raw["poolServers"], {
    forgeServerId: serverId,
    sshHost,
    sshPort,
    sshHostKeyFingerprint: fingerprint,
    mysqlSocket: typeof raw["mysqlSocket"] === "string" ? raw["mysqlSocket"] : "",
    mysqlDataDir: typeof raw["mysqlDataDir"] === "string" ? raw["mysqlDataDir"] : "",
  });
  for (const [key, problem, fix] of poolProblems) problems.add(key, problem, fix);

  problems.throwIfAny();
  return {
    forge: { apiUrl, org, serverId },
    previewDomain,
    defaultApp,
    apps,
    ssh: { host: sshHost, port: sshPort, user: sshUser, hostKeyFingerprint: fingerprint },
    redisSlots,
    maxEnvironments,
    headroom: { maxMemoryPercent, diskMargin },
    basicAuth: { mode: basicAuthMode, username: basicAuthUsername, passwordHint },
    certificate: { mode: certificateMode, wildcardCertificateId: wildcardId === 0 ? null : wildcardId },
    productionDatabases: [...new Set(production)],
    snapshotsStack,
    alerts,
    cloudflare: { enabled: cloudflareEnabled, zoneId: cloudflareEnabled ? zoneId : null },
    deploy: {
      branch: branch === "" ? null : branch,
      commitSha: commitSha === "" ? null : commitSha.toLowerCase(),
      redeployToken: tokens.redeployToken ?? "",
      databaseResetToken: tokens.databaseResetToken ?? "",
    },
    healthUrlTemplate,
    healthResolve: healthResolve === "" ? null : healthResolve,
    redisPort,
    mysqlPort,
    cloneMethod,
    mysqlUser,
    pool,
  };
}
