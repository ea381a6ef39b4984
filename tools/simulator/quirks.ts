/**
 * Behaviours the real Forge may show where its spec and documentation leave room, each off by default and switchable
 * on its own. The `hostile` profile turns every one on. The README's "Quirks" section gives the evidence for each.
 */
export interface Quirks {
  /**
   * How a site reports `php_version`: Forge's create and update take `php84`, but SiteResource types the field as a
   * free string and other v2 resources say `8.4`. null answers with what was sent.
   */
  phpVersionForm: "8.4" | "PHP 8.4" | null;
  /** `quick_deploy` is `null` until Forge installs the repository webhook, which the simulator never does. */
  quickDeployNullUntilWebhook: boolean;
  /** Security rules report `status: null` (the spec allows it) instead of `installing`/`installed`. */
  securityRuleStatusNull: boolean;
  /** The `type` a clone certificate reports; the response enum has no `clone`. null reports `existing`. */
  cloneCertificateType: "letsencrypt" | "existing" | null;
  /**
   * For this long after a site's create answered 202 (times `timeScale`), `GET` and `PUT` of that site answer 404,
   * as if Forge had not yet committed it, unless it is already being deleted; lists show it. 0 is off.
   */
  siteNotFoundAfterCreateMs: number;
  /**
   * Once installed, a site's `status` follows its latest deployment: `deploying`, `deployed`, and this value after a
   * failed one (`failed`, in the spec's SiteStatus enum, or `unhealthy`, which another client's enum has and the spec
   * does not). null keeps `installed`.
   */
  siteStatusAfterFailedDeployment: "failed" | "unhealthy" | null;
  /** `late`: a site's tags are listed only once it is installed; `never`: never listed. null lists them at once. */
  tagsApplied: "late" | "never" | null;
  /** Every create (any POST) answers its 2xx with an empty body, although the spec promises the resource. */
  emptyCreateBodies: boolean;
  /**
   * The isolated Linux user of a deleted site stays on the server, and a new isolated site asking for a user that
   * exists (a live site's or a left-over one) is refused: 422 naming `isolated_user`.
   */
  isolatedUserOutlivesSite: boolean;
  /** Every API answer is delayed by a seeded random time in this range (ms, times `timeScale`). null is off. */
  latencyMs: [number, number] | null;
  /** The share (0 to 1) of API calls answered 500, 502 or 503 before anything is done, drawn from `seed`. */
  serverErrorRate: number;
  /** Seed of the latency and server-error draws, so a run is reproducible. */
  seed: number;
  /**
   * A custom domain stays `pending` (its DNS not yet verified) after its site installs, for as long again as the
   * install took, and a certificate requested meanwhile is refused.
   */
  customDomainPending: boolean;
  /** Let's Encrypt's http-01 check cannot reach `/.well-known/acme-challenge` through a whole-site basic-auth rule. */
  acmeBlockedByBasicAuth: boolean;
  /**
   * Let's Encrypt's duplicate-certificate limit: this many issuances per identical name set in any 7 days (the
   * simulator's clock); the next request fails. Issuances are remembered after their site is deleted. null: no limit.
   */
  letsEncryptDuplicateLimit: number | null;
  /** A 429 carries only the `X-RateLimit-*` headers, no `Retry-After`. */
  omitRetryAfter: boolean;
}

export const NO_QUIRKS: Quirks = {
  phpVersionForm: null,
  quickDeployNullUntilWebhook: false,
  securityRuleStatusNull: false,
  cloneCertificateType: null,
  siteNotFoundAfterCreateMs: 0,
  siteStatusAfterFailedDeployment: null,
  tagsApplied: null,
  emptyCreateBodies: false,
  isolatedUserOutlivesSite: false,
  latencyMs: null,
  serverErrorRate: 0,
  seed: 1,
  customDomainPending: false,
  acmeBlockedByBasicAuth: false,
  letsEncryptDuplicateLimit: null,
  omitRetryAfter: false,
};

/** Every quirk on, each in the form most likely to break a client. */
export const HOSTILE_QUIRKS: Quirks = {
  phpVersionForm: "PHP 8.4",
  quickDeployNullUntilWebhook: true,
  securityRuleStatusNull: true,
  cloneCertificateType: "letsencrypt",
  siteNotFoundAfterCreateMs: 10_000,
  // `failed` rather than `unhealthy`: it is the spec's own value, so hostile answers still fit the response schemas.
  siteStatusAfterFailedDeployment: "failed",
  tagsApplied: "never",
  emptyCreateBodies: true,
  isolatedUserOutlivesSite: true,
  latencyMs: [50, 400],
  serverErrorRate: 0.03,
  seed: 1,
  customDomainPending: true,
  acmeBlockedByBasicAuth: true,
  letsEncryptDuplicateLimit: 5,
  omitRetryAfter: true,
};

export function resolveQuirks(profile: string, overrides: Partial<Quirks> = {}): Quirks {
  const base = profile === "hostile" ? HOSTILE_QUIRKS : NO_QUIRKS;
  const quirks = { ...base, ...overrides };
  if (![null, "8.4", "PHP 8.4"].includes(quirks.phpVersionForm)) {
    throw new Error("Simulator quirk `phpVersionForm` must be null, `8.4` or `PHP 8.4`.");
  }
  if (![null, "letsencrypt", "existing"].includes(quirks.cloneCertificateType)) {
    throw new Error("Simulator quirk `cloneCertificateType` must be null, `letsencrypt` or `existing`.");
  }
  if (![null, "failed", "unhealthy"].includes(quirks.siteStatusAfterFailedDeployment)) {
    throw new Error("Simulator quirk `siteStatusAfterFailedDeployment` must be null, `failed` or `unhealthy`.");
  }
  if (![null, "late", "never"].includes(quirks.tagsApplied)) {
    throw new Error("Simulator quirk `tagsApplied` must be null, `late` or `never`.");
  }
  if (!(quirks.siteNotFoundAfterCreateMs >= 0)) {
    throw new Error("Simulator quirk `siteNotFoundAfterCreateMs` must be 0 or more milliseconds.");
  }
  const latency = quirks.latencyMs;
  if (latency !== null && !(Array.isArray(latency) && latency[0] >= 0 && latency[1] >= latency[0])) {
    throw new Error("Simulator quirk `latencyMs` must be null or `[low, high]` milliseconds with 0 <= low <= high.");
  }
  if (!(quirks.serverErrorRate >= 0 && quirks.serverErrorRate <= 1)) {
    throw new Error("Simulator quirk `serverErrorRate` must be a share between 0 and 1.");
  }
  const limit = quirks.letsEncryptDuplicateLimit;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw new Error("Simulator quirk `letsEncryptDuplicateLimit` must be null or a positive whole number.");
  }
  return quirks;
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed draws the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `php84` as the quirk spells it: `8.4` or `PHP 8.4`; other spellings pass through. */
export function phpVersionAs(version: string, form: Quirks["phpVersionForm"]): string {
  const match = /^php(\d)(\d+)$/.exec(version);
  if (form === null || match === null) return version;
  const dotted = `${match[1]}.${match[2]}`;
  return form === "8.4" ? dotted : `PHP ${dotted}`;
}
