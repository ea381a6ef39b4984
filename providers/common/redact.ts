/**
 * Redaction of everything that may reach an error message, a log line or a PR comment: Forge error bodies, deployment
 * logs, `pulumi` output. Known secrets (tokens, keys, DB passwords, `.env` values) are replaced wherever they appear;
 * deployment logs and CLI output also lose generic shapes of secrets nobody declared, since a failing `git fetch` shows
 * the remote URL with its token and Composer and artisan print connection strings.
 */
import { UserError } from "./user-error";

export const REDACTED = "[REDACTED]";

/**
 * Shorter known secrets are left in place: replacing a one- to three-character value everywhere would mangle every
 * message (every `1` in ids and timings) and, through the gaps it leaves, show what the secret was.
 */
export const MIN_SECRET_LENGTH = 4;

/** How many lines of the log an error carries: enough to see the failing command and its complaint. */
export const LOG_TAIL_LINES = 40;
/** Longer lines are cut, so one minified blob cannot swamp the message. */
const MAX_LINE_LENGTH = 500;

interface Pattern {
  pattern: RegExp;
  replace: string | ((...groups: string[]) => string);
}

const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|app[_-]?key|private[_-]?key|access[_-]?key|_key|credentials?)[A-Za-z0-9_.-]*`;

const GENERIC_PATTERNS: readonly Pattern[] = [
  // PEM blocks (deploy keys, TLS keys), possibly spanning lines.
  {
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: REDACTED,
  },
  // Credentials in URLs: https://user:token@github.com/…, mysql://root:pw@host/db.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, replace: (_m, scheme) => `${scheme}${REDACTED}@` },
  // Authorization headers.
  { pattern: /\b(Authorization\s*:\s*(?:Bearer|Basic|token)\s+)\S+/gi, replace: (_m, head) => `${head}${REDACTED}` },
  { pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, replace: (_m, head) => `${head}${REDACTED}` },
  // Laravel APP_KEY values and other base64: keys, wherever they appear.
  { pattern: /\bbase64:[A-Za-z0-9+/=]{16,}/g, replace: REDACTED },
  // Well-known token formats: GitHub, GitLab, Slack, AWS access key ids.
  {
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g,
    replace: REDACTED,
  },
  // key=value and key: value where the key names a secret (DB_PASSWORD=…, "token": "…", --password=…).
  {
    pattern: new RegExp(String.raw`(${SECRET_KEY}["']?\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&|)]+)`, "gi"),
    replace: (_m, head) => `${head}${REDACTED}`,
  },
];

/** Every form in which a known secret may show up in text: as given, URL-encoded, and JSON-escaped. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every known secret in `text`, in each form it may take (as given, URL-encoded, JSON-escaped). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) out = out.split(form).join(REDACTED);
  return out;
}

/** Replaces every known secret and every generic secret shape in `text`; for logs nobody vetted. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactText(text, secrets);
  for (const { pattern, replace } of GENERIC_PATTERNS) {
    out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/** A deep copy of a parsed JSON value with every known secret replaced in its strings (keys included). */
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

/**
 * The last `lines` lines of a deployment log, redacted. The whole log is redacted before it is cut, so a secret
 * spanning the cut (a PEM block, say) is still recognised.
 */
export function redactedLogTail(log: string, secrets: readonly string[], lines = LOG_TAIL_LINES): string {
  const all = redactSecrets(log, secrets).replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  const tail = all
    .slice(-lines)
    .map((line) => (line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line));
  const skipped = all.length - tail.length;
  return [...(skipped > 0 ? [`… (${skipped} earlier line${skipped === 1 ? "" : "s"} not shown)`] : []), ...tail].join(
    "\n",
  );
}

/**
 * An error whose message has been redacted, a UserError staying one. The original is deliberately not kept as
 * `cause`: Forge errors carry response bodies, which may echo a script and whatever secret it holds.
 */
export function redactedError(error: unknown, secrets: readonly string[]): Error {
  const message = error instanceof Error ? error.message : String(error);
  const redacted = redactSecrets(message, secrets);
  return error instanceof UserError ? new UserError(redacted) : new Error(redacted);
}
