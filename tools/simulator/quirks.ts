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
}

export const NO_QUIRKS: Quirks = {
  phpVersionForm: null,
  quickDeployNullUntilWebhook: false,
  securityRuleStatusNull: false,
  cloneCertificateType: null,
};

/** Every quirk on, each in the form most likely to break a client. */
export const HOSTILE_QUIRKS: Quirks = {
  phpVersionForm: "PHP 8.4",
  quickDeployNullUntilWebhook: true,
  securityRuleStatusNull: true,
  cloneCertificateType: "letsencrypt",
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
  return quirks;
}

/** `php84` as the quirk spells it: `8.4` or `PHP 8.4`; other spellings pass through. */
export function phpVersionAs(version: string, form: Quirks["phpVersionForm"]): string {
  const match = /^php(\d)(\d+)$/.exec(version);
  if (form === null || match === null) return version;
  const dotted = `${match[1]}.${match[2]}`;
  return form === "8.4" ? dotted : `PHP ${dotted}`;
}
