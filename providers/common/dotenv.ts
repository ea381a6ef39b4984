/**
 * Reading and writing Laravel `.env` text the way vlucas/phpdotenv 5 reads it. Forge replaces the file whole, so the
 * environment resource reads it, changes only the keys it manages, and writes every other line back untouched.
 */

export interface DotenvEntry {
  key: string;
  value: string;
}

/** Thrown for text phpdotenv would refuse; names the line, never its value. */
export class DotenvSyntaxError extends Error {
  override readonly name = "DotenvSyntaxError";
}

const KEY = /^[A-Za-z0-9_.]+$/;
const PLAIN_VALUE = /^[A-Za-z0-9_.,:/@+=%^~-]*$/;

/**
 * Quotes a value so that phpdotenv returns it unchanged: bare when it holds only safe characters, single quotes
 * (literal, no `${}` expansion) when it has no quote or line break, and otherwise double quotes with `\\`, `\"`, `\$`
 * and `\n` escapes, so every entry stays on one line.
 */
export function quoteDotenvValue(value: string): string {
  if (value.includes("\0")) throw new DotenvSyntaxError("A .env value cannot contain a NUL character.");
  if (PLAIN_VALUE.test(value)) return value;
  // phpdotenv splits lines before parsing and takes any line holding `="` with a single unescaped `"` for the start of
  // a multi-line value, so a `"` inside single quotes can swallow the following lines: only quote-free values go there.
  if (!/['"\n\r]/.test(value)) return `'${value}'`;
  const escaped = value.replace(
    /[\\"$\n\r\t]/g,
    (c) => ({ "\\": "\\\\", '"': '\\"', $: "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] as string,
  );
  return `"${escaped}"`;
}

export function formatDotenvLine(key: string, value: string): string {
  if (!KEY.test(key))
    throw new DotenvSyntaxError(`${JSON.stringify(key)} is not a valid .env key (letters, digits, _ and . only).`);
  return `${key}=${quoteDotenvValue(value)}`;
}

interface ParsedValue {
  value: string;
  /** Index in the text just past the value and any trailing comment. */
  end: number;
}

/** Parses one value starting at `start` (just after `=`), following phpdotenv's states. */
function parseValue(text: string, start: number, key: string): ParsedValue {
  let i = start;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  const skipToLineEnd = (from: number): number => {
    let j = from;
    while (j < text.length && text[j] !== "\n") {
      if (text[j] === "#") return text.indexOf("\n", j) === -1 ? text.length : text.indexOf("\n", j);
      if (text[j] !== " " && text[j] !== "\t" && text[j] !== "\r")
        throw new DotenvSyntaxError(`Unexpected text after the quoted value of ${key}.`);
      j++;
    }
    return j;
  };
  if (text[i] === "'") {
    const close = text.indexOf("'", i + 1);
    if (close === -1) throw new DotenvSyntaxError(`Missing closing quote in the value of ${key}.`);
    return { value: text.slice(i + 1, close), end: skipToLineEnd(close + 1) };
  }
  if (text[i] === '"') {
    let value = "";
    for (let j = i + 1; j < text.length; j++) {
      const c = text[j];
      if (c === '"') return { value, end: skipToLineEnd(j + 1) };
      if (c !== "\\") {
        value += c;
        continue;
      }
      const next = text[++j];
      const escapes: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        $: "$",
        n: "\n",
        r: "\r",
        t: "\t",
        f: "\f",
        v: "\v",
      };
      if (next === undefined || !(next in escapes))
        throw new DotenvSyntaxError(`Unexpected escape sequence in the value of ${key}.`);
      value += escapes[next];
    }
    throw new DotenvSyntaxError(`Missing closing quote in the value of ${key}.`);
  }
  let j = i;
  while (
    j < text.length &&
    text[j] !== "\n" &&
    text[j] !== "#" &&
    text[j] !== " " &&
    text[j] !== "\t" &&
    text[j] !== "\r"
  )
    j++;
  const value = text.slice(i, j);
  return { value, end: skipToLineEnd(j) };
}

interface Line {
  /** The key this line assigns, or null for blank lines and comments. */
  key: string | null;
  /** The original text, kept byte for byte unless the line is replaced. */
  raw: string;
  value: string | null;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let i = 0;
  while (i < text.length) {
    const lineEnd = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
    const line = text.slice(i, lineEnd);
    const trimmed = line.trim();
    const eq = line.indexOf("=");
    if (trimmed === "" || trimmed.startsWith("#") || eq === -1) {
      lines.push({ key: null, raw: line, value: null });
      i = lineEnd + 1;
      continue;
    }
    let key = line.slice(0, eq).trim();
    if (/^export\s/.test(key)) key = key.slice(6).trim();
    if (!KEY.test(key)) throw new DotenvSyntaxError(`Line ${lines.length + 1} has an invalid .env key.`);
    const parsed = parseValue(text, i + eq + 1, key);
    lines.push({ key, raw: text.slice(i, parsed.end), value: parsed.value });
    i = parsed.end + 1;
  }
  return lines;
}

/** The key/value pairs of `.env` text; a later assignment wins, as in phpdotenv. */
export function parseDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of splitLines(text)) if (line.key !== null && line.value !== null) values.set(line.key, line.value);
  return values;
}

/**
 * Sets `managed` keys in `text`: an existing assignment is replaced in place (a repeated one is collapsed into the
 * first), a new key is appended, and every other line (comments, blank lines, keys we do not manage) stays as written.
 */
export function mergeDotenv(text: string, managed: Readonly<Record<string, string>>): string {
  const pending = new Map(Object.entries(managed));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of splitLines(text)) {
    if (line.key !== null && pending.has(line.key)) {
      if (!seen.has(line.key)) out.push(formatDotenvLine(line.key, pending.get(line.key) as string));
      seen.add(line.key);
      continue;
    }
    out.push(line.raw);
  }
  while (out.length > 0 && out[out.length - 1].trim() === "") out.pop();
  const added = [...pending].filter(([key]) => !seen.has(key)).map(([key, value]) => formatDotenvLine(key, value));
  return [...out, ...added].join("\n") + "\n";
}

/** Removes keys from `.env` text, keeping every other line as written. */
export function removeDotenvKeys(text: string, keys: Iterable<string>): string {
  const drop = new Set(keys);
  const kept = splitLines(text)
    .filter((line) => line.key === null || !drop.has(line.key))
    .map((line) => line.raw);
  while (kept.length > 0 && kept[kept.length - 1].trim() === "") kept.pop();
  return kept.length === 0 ? "" : kept.join("\n") + "\n";
}
