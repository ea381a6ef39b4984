/**
 * The pure rules of the SiteEnvironment resource: which inputs it accepts, which keys it manages, how APP_KEY is
 * chosen, what counts as a change, and what a re-read `.env` says about the managed keys. No Forge calls here, so
 * `check` and `diff` (which also run in preview) stay side-effect free.
 */
import { createHash, randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { detectLiveSecret } from "../common/live-secrets";
import { containsUnknown, isUnknown } from "../runtime";

export interface SiteEnvironmentInputs {
  serverId: number;
  siteId: number;
  /** The keys this stack manages in the site's `.env` and their values. Secret as a whole (it holds DB_PASSWORD). */
  values: Record<string, string>;
}

export interface SiteEnvironmentOutputs extends SiteEnvironmentInputs {
  /** Every key this resource writes, APP_KEY included, sorted. After a refresh: the ones present in the file. */
  managedKeys: string[];
  /** The APP_KEY in force: `values.APP_KEY` when given, else the one generated at create and kept ever since. */
  appKey: string;
  /** Hex SHA-256 of the whole `.env` text last written (or read), so drift shows without storing the text. */
  contentSha256: string;
}

export const APP_KEY = "APP_KEY";
/** Mailers that never deliver: a preview holds a copy of production data, so it must not e-mail real customers. */
export const SAFE_MAILERS: readonly string[] = ["log", "array"];

/** phpdotenv's key alphabet, without a leading digit or dot, so the key is also a usable environment variable. */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const IDENTITY_FIELDS = ["serverId", "siteId"] as const;

type Failure = pulumi.dynamic.CheckFailure;

function checkPositiveInteger(field: string, value: unknown, what: string): Failure[] {
  if (isUnknown(value) || (typeof value === "number" && Number.isSafeInteger(value) && value > 0)) return [];
  return [{ property: field, reason: `\`${field}\` must be a positive integer (${what})` }];
}

/**
 * A malformed key as a reason may show it: it may be half a `KEY=value` line, and `values` is secret, so only its
 * leading key characters.
 */
function describeKey(key: string): string {
  const lead = /^[A-Za-z0-9_.]{0,40}/.exec(key)?.[0] ?? "";
  return lead === key ? JSON.stringify(key) : `starting ${JSON.stringify(lead)}`;
}

/** True for a key Laravel's encrypter accepts: 16 or 32 bytes, raw or as `base64:<bytes>`. */
export function isLaravelAppKey(key: string): boolean {
  if (key.startsWith("base64:")) {
    const encoded = key.slice("base64:".length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
    const bytes = Buffer.from(encoded, "base64").length;
    return bytes === 16 || bytes === 32;
  }
  const bytes = Buffer.byteLength(key, "utf8");
  return bytes === 16 || bytes === 32;
}

/** A fresh key in the form `php artisan key:generate` writes: `base64:` and 32 random bytes. */
export function generateAppKey(): string {
  return `base64:${randomBytes(32).toString("base64")}`;
}

function checkValue(key: string, value: unknown): Failure[] {
  const failure = (reason: string): Failure[] => [{ property: "values", reason }];
  if (isUnknown(value)) return [];
  if (typeof value !== "string") return failure(`\`values.${key}\` must be a string`);
  if (value.includes("\0")) return failure(`\`values.${key}\` contains a NUL character, which a .env file cannot hold`);
  const live = detectLiveSecret(value);
  if (live !== null) {
    return failure(
      `\`values.${key}\` looks like ${live}; a preview runs production data with the pull request's code, ` +
        "so give it a test-mode credential instead",
    );
  }
  if (key === "MAIL_MAILER" && !SAFE_MAILERS.includes(value)) {
    return failure(
      "`values.MAIL_MAILER` must be `log` or `array`: a preview holds a copy of production data and must never " +
        "e-mail real customers",
    );
  }
  if (key === APP_KEY && !isLaravelAppKey(value)) {
    return failure(
      "`values.APP_KEY` is not a Laravel encryption key: use `base64:` followed by 32 random bytes in base64 " +
        "(`php artisan key:generate --show`), or leave it out and one is generated for this environment",
    );
  }
  return [];
}

/**
 * Validates raw `news` into the inputs `create`/`update` receive. Keys are named in the reasons, values never are.
 * Unknown preview values are let through; what they resolve to is checked again before anything is written.
 */
export function checkSiteEnvironmentInputs(news: Record<string, unknown>): {
  inputs: SiteEnvironmentInputs;
  failures: Failure[];
} {
  const { serverId, siteId, values } = news;
  const failures: Failure[] = [
    ...checkPositiveInteger("serverId", serverId, "the Forge server's id"),
    ...checkPositiveInteger("siteId", siteId, "the Forge site's id"),
  ];
  if (!isUnknown(values)) {
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      failures.push({ property: "values", reason: "`values` must be an object of .env keys to string values" });
    } else {
      const entries = Object.entries(values as Record<string, unknown>);
      for (const [key, value] of entries) {
        if (!ENV_KEY.test(key)) {
          failures.push({
            property: "values",
            reason:
              `\`values\` key ${describeKey(key)} is not a valid .env key: use letters, digits, \`_\` and \`.\`, ` +
              "starting with a letter or `_`",
          });
          continue;
        }
        failures.push(...checkValue(key, value));
      }
      if (!entries.some(([key]) => key === "MAIL_MAILER")) {
        failures.push({
          property: "values",
          reason:
            "`values.MAIL_MAILER` must be set to `log` or `array`, or the site keeps whatever mailer its .env has",
        });
      }
    }
  }
  return { inputs: { serverId, siteId, values } as SiteEnvironmentInputs, failures };
}

/** The keys this resource writes for `values`: each of them and APP_KEY, sorted. */
export function managedKeysFor(values: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(values), APP_KEY])].sort();
}

/** What is written: `values` with the effective APP_KEY. */
export function managedValuesFor(values: Readonly<Record<string, string>>, appKey: string): Record<string, string> {
  return { ...values, [APP_KEY]: appKey };
}

/**
 * The APP_KEY to write: the one `values` sets; else the key this environment already has, when it was generated
 * (not one `values` used to set); else a new one. Sessions and encrypted columns stay readable across updates.
 */
export function resolveAppKey(
  values: Readonly<Record<string, string>>,
  previous: Pick<SiteEnvironmentOutputs, "values" | "appKey"> | null,
  generate: () => string = generateAppKey,
): string {
  const given = values[APP_KEY];
  if (given !== undefined) return given;
  if (previous !== null && previous.values?.[APP_KEY] === undefined && previous.appKey) return previous.appKey;
  return generate();
}

/** Keys written before that `values` no longer lists: they are removed from the file. */
export function keysNoLongerManaged(
  olds: Partial<SiteEnvironmentOutputs>,
  values: Readonly<Record<string, string>>,
): string[] {
  const next = new Set(managedKeysFor(values));
  const before = new Set([...(olds.managedKeys ?? []), ...Object.keys(olds.values ?? {})]);
  return [...before].filter((key) => !next.has(key)).sort();
}

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  if (a === undefined || a === null) return false;
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  return keysA.length === keysB.length && keysA.every((key, index) => key === keysB[index] && a[key] === b[key]);
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((item, index) => item === b[index]);
}

/**
 * A different site is a different file: replace, removing the keys from the old file first (when the "new" site is
 * the same file, writing first and cleaning up after would strip what was just written). Anything else that differs
 * (a value, the key set, a managed key missing from the file after a refresh) is fixed in place.
 */
export function diffSiteEnvironment(
  olds: SiteEnvironmentOutputs,
  news: SiteEnvironmentInputs,
): pulumi.dynamic.DiffResult {
  const replaces = IDENTITY_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  const changes =
    replaces.length > 0 ||
    containsUnknown(news.values) ||
    !sameRecord(olds.values, news.values) ||
    !sameList(olds.managedKeys, managedKeysFor(news.values));
  return { changes, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 };
}

/**
 * What the file says now about the keys in `state`: each managed value as it is (a key gone from the file is left
 * out, so the key set differs), the APP_KEY in the file (or, when it is gone, the stored one, so `up` restores the
 * same key), and the managed keys still present.
 */
export function observeManagedKeys(
  fileValues: ReadonlyMap<string, string>,
  text: string,
  state: SiteEnvironmentOutputs,
): Pick<SiteEnvironmentOutputs, "values" | "appKey" | "managedKeys" | "contentSha256"> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(state.values ?? {})) {
    const value = fileValues.get(key);
    if (value !== undefined) values[key] = value;
  }
  const fileAppKey = fileValues.get(APP_KEY);
  const hasAppKey = fileAppKey !== undefined && fileAppKey !== "";
  const tracked = new Set([...(state.managedKeys ?? []), ...Object.keys(state.values ?? {}), APP_KEY]);
  const managedKeys = [...tracked].filter((key) => (key === APP_KEY ? hasAppKey : fileValues.has(key))).sort();
  return { values, appKey: hasAppKey ? fileAppKey : state.appKey, managedKeys, contentSha256: sha256Hex(text) };
}

/** How many of `expected`'s keys the parsed file does not hold yet, plus `removed` keys it still holds. */
export function countPendingKeys(
  fileValues: ReadonlyMap<string, string>,
  expected: Readonly<Record<string, string>>,
  removed: readonly string[],
): number {
  const wrong = Object.entries(expected).filter(([key, value]) => fileValues.get(key) !== value).length;
  return wrong + removed.filter((key) => fileValues.has(key)).length;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
