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
  const limit = quirks.letsEncryptDuplicateLimit;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw new Error("Simulator quirk `letsEncryptDuplicateLimit` must be null or a positive whole number.");
  }
  return quirks;
}

/** `php84` as the quirk spells it: `8.4` or `PHP 8.4`; other spellings pass through. */
export function phpVersionAs(version: string, form: Quirks["phpVersionForm"]): string {
  const match = /^php(\d)(\d+)$/.exec(version);
  if (form === null || match === null) return version;
  const dotted = `${match[1]}.${match[2]}`;
  return form === "8.4" ? dotted : `PHP ${dotted}`;
}
