/**
 * Secrets that must never reach an error message, an error body or a log line: the API token and whatever a
 * request declared secret (passwords, keys, `.env` values). Anything shorter than this is too likely to
 * match ordinary text to be worth replacing.
 */
const MIN_SECRET_LENGTH = 4;

const REDACTION = "[REDACTED]";
// Aliased so same-module uses stay on the local constant (see rate-limiter.ts).
export { REDACTION as REDACTED };

/** Replaces every occurrence of each secret in a string. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTION);
  }
  return out;
}

/** A deep copy of a parsed JSON value with every secret replaced in its strings (keys included). */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[redactText(key, secrets)] = redactValue(item, secrets);
    return out;
  }
  return value;
}

/**
 * The values of a `.env` text, for redaction: a `.env` body is a secret as a whole, and a server echoing any
 * line of it back (a validation message, say) must not leak it.
 */
export function envValues(content: string): string[] {
  const values: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=\s*(.*)$/.exec(line);
    const raw = match?.[1]?.trim();
    if (!raw) continue;
    values.push(raw);
    const unquoted = raw.replace(/^(["'])(.*)\1$/, "$2");
    if (unquoted !== raw) values.push(unquoted);
  }
  return values;
}
