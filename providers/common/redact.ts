/**
 * Redaction of deployment output before any of it reaches an error message. A deployment log echoes whatever the
 * script and the tools it runs print: a failing `git fetch` shows the remote URL with its token, a bash syntax error
 * quotes the offending line, Composer and artisan print connection strings. So the log is redacted in two passes:
 * every secret the caller knows (DB password, APP_KEY, tokens), and then generic shapes of secrets it may not know.
 */

export const REDACTED = "[REDACTED]";

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
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g, replace: REDACTED },
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
    if (secret === "") continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every known secret (any length: a short password is still a password) and every generic secret shape
 * in `text`.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) out = out.split(form).join(REDACTED);
  for (const { pattern, replace } of GENERIC_PATTERNS) {
    out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/**
 * The last `lines` lines of a deployment log, redacted. The whole log is redacted before it is cut, so a secret
 * spanning the cut (a PEM block, say) is still recognised.
 */
export function redactedLogTail(log: string, secrets: readonly string[], lines = LOG_TAIL_LINES): string {
  const all = redactSecrets(log, secrets).replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  const tail = all.slice(-lines).map((line) => (line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line));
  const skipped = all.length - tail.length;
  return [...(skipped > 0 ? [`… (${skipped} earlier line${skipped === 1 ? "" : "s"} not shown)`] : []), ...tail].join("\n");
}
