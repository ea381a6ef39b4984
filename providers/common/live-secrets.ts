/**
 * Recognises values that look like live production credentials. A preview runs a copy of production data with the PR's
 * code; given a live payment key it could charge real customers, so such values are refused before anything is written.
 */

interface LiveSecretPattern {
  kind: string;
  pattern: RegExp;
}

const LIVE_SECRET_PATTERNS: readonly LiveSecretPattern[] = [
  { kind: "a live Stripe secret key", pattern: /\bsk_live_[A-Za-z0-9]+/ },
  { kind: "a live Stripe restricted key", pattern: /\brk_live_[A-Za-z0-9]+/ },
  { kind: "a live Stripe publishable key", pattern: /\bpk_live_[A-Za-z0-9]+/ },
  { kind: "a live Paddle API key", pattern: /\bpdl_live_[A-Za-z0-9_]+/ },
  { kind: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: "a Slack bot or user token", pattern: /\bxox[bp]-[0-9A-Za-z-]{10,}/ },
];

/** The kind of live credential `value` looks like, or null. Never echoes the value itself. */
export function detectLiveSecret(value: string): string | null {
  for (const { kind, pattern } of LIVE_SECRET_PATTERNS) if (pattern.test(value)) return kind;
  return null;
}
