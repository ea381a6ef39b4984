/**
 * Finds the command in a PR comment. A command counts only as the first word of a line of a plain paragraph at the
 * top level of the comment, as GitHub renders it: a `contains(body, '/preview')` test would fire on "please don't
 * /preview yet", on quoted replies, on code samples and on hidden HTML comments, and each of those starts real work on
 * a shared server. Where a line sits is decided by a CommonMark parser with GitHub's table extension and raw HTML on,
 * never by line patterns: a lazy quote continuation, a fence inside a list item or an HTML comment opened mid-line
 * all look like plain lines to a pattern.
 *
 * Text inside a raw HTML element (`<details>`, `<code>`, `<pre>`, ...) does not count, nor do paragraphs inside list
 * items: a list in a comment is usually a checklist or a set of steps ("- /preview creates it, - /destroy removes
 * it"), and a line without a blank line after a list item is part of that item (a lazy continuation), which GitHub
 * draws inside the bullet.
 */
import MarkdownIt from "markdown-it";

export type CommandName = "preview" | "update" | "destroy";

export interface CommentCommand {
  name: CommandName;
  /** Clone the master database again, replacing the PR's data (`/preview reset-db`, `/update reset-db`). */
  resetDatabase: boolean;
  /** The line the command came from, trimmed, for messages. */
  line: string;
}

export type ParsedComment =
  { kind: "none" } | { kind: "command"; command: CommentCommand } | { kind: "invalid"; line: string; problem: string };

const OPTIONS: Record<CommandName, readonly string[]> = {
  preview: ["reset-db"],
  update: ["reset-db"],
  destroy: [],
};

export const COMMAND_HELP =
  "`/preview` creates or updates the preview, `/preview reset-db` also replaces its database with a fresh clone, " +
  "`/update` redeploys the PR branch (`/update reset-db` likewise), `/destroy` removes the preview.";

// GitHub renders raw HTML, so it must be parsed as HTML here: with `html` off, `<!--` and `<pre>` read as text.
// `text_join` is off so that an escape (`\/preview`) or an entity (`&#47;preview`) keeps its source form and is
// not taken for a command typed as one.
const markdown = new MarkdownIt("default", { html: true, linkify: false, typographer: false }).disable("text_join");

// Elements that never take content; every other open tag stays open until its end tag or the end of the comment.
const VOID_ELEMENTS = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);
const HTML_TAG = /<(\/?)([A-Za-z][A-Za-z0-9-]*)(?:[\s/][^<>]*)?>/g;

/**
 * The raw HTML elements open at a point of the comment. Text inside `<details>`, `<code>`, `<pre>` or any other
 * element that is not closed yet is hidden, code or styled, so no command counts there; an element never closed
 * wraps the rest of the comment, as a browser would draw it.
 */
class OpenElements {
  private readonly names: string[] = [];

  get empty(): boolean {
    return this.names.length === 0;
  }

  read(html: string): void {
    const outsideComments = html.replace(/<!--[\s\S]*?(?:-->|$)/g, "");
    for (const [tag, closing, rawName] of outsideComments.matchAll(HTML_TAG)) {
      const name = rawName.toLowerCase();
      if (VOID_ELEMENTS.has(name) || tag.endsWith("/>")) continue;
      if (closing === "") {
        this.names.push(name);
      } else {
        const at = this.names.lastIndexOf(name);
        if (at >= 0) this.names.length = at;
      }
    }
  }
}

type Token = ReturnType<typeof markdown.parse>[number];

/** The source form of an inline token, so option words read as the commenter typed them. */
function sourceOf(token: Token): string {
  switch (token.type) {
    case "text":
      return token.content;
    case "code_inline":
      return `${token.markup}${token.content}${token.markup}`;
    case "text_special":
      return token.markup;
    case "html_inline":
      return token.content;
    case "image":
      return `![${token.content}]`;
    case "link_open":
      return "[";
    case "link_close":
      return "]";
    default:
      return token.markup;
  }
}

/**
 * The lines of the top-level paragraphs that start with plain text outside any raw HTML element, trimmed. Lines in
 * code (fenced, indented, inline), quotes, list items, headings, tables and HTML blocks never appear here.
 */
function plainTextLines(body: string): string[] {
  const tokens = markdown.parse(body, {});
  const open = new OpenElements();
  const plain: string[] = [];
  tokens.forEach((token, index) => {
    if (token.type === "html_block" && token.level === 0) open.read(token.content);
    const topLevelParagraph =
      token.type === "inline" && tokens[index - 1]?.type === "paragraph_open" && tokens[index - 1].level === 0;
    if (!topLevelParagraph) return;
    let line: string[] | null = null;
    let lineStart = true;
    const finish = () => {
      if (line) plain.push(line.join("").trim());
      line = null;
      lineStart = true;
    };
    for (const child of token.children ?? []) {
      if (child.type === "softbreak" || child.type === "hardbreak") {
        finish();
        continue;
      }
      // A line counts only when its first rendered piece is plain text outside every raw HTML element.
      if (lineStart && child.type === "text" && open.empty) line = [];
      lineStart = false;
      line?.push(sourceOf(child));
      if (child.type === "html_inline") open.read(child.content);
    }
    finish();
  });
  return plain;
}

function parseLine(line: string): ParsedComment | null {
  const words = line.split(/\s+/).filter((w) => w !== "");
  const match = /^\/(preview|update|destroy)$/.exec(words[0] ?? "");
  if (!match) return null;
  const name = match[1] as CommandName;
  let resetDatabase = false;
  for (const option of words.slice(1)) {
    if (!OPTIONS[name].includes(option)) {
      const allowed =
        OPTIONS[name].length > 0
          ? `it accepts only ${OPTIONS[name].map((o) => `\`${o}\``).join(", ")}`
          : "it takes no options";
      return { kind: "invalid", line, problem: `\`/${name}\` does not know the option \`${option}\`; ${allowed}.` };
    }
    if (option === "reset-db") resetDatabase = true;
  }
  return { kind: "command", command: { name, resetDatabase, line } };
}

export function parseCommentCommand(body: string): ParsedComment {
  const found: ParsedComment[] = [];
  for (const line of plainTextLines(body)) {
    const parsed = parseLine(line);
    if (parsed) found.push(parsed);
  }
  if (found.length === 0) return { kind: "none" };
  const invalid = found.find((f) => f.kind === "invalid");
  if (invalid) return invalid;
  const commands = found.flatMap((f) => (f.kind === "command" ? [f.command] : []));
  const first = commands[0];
  if (commands.some((c) => c.name !== first.name || c.resetDatabase !== first.resetDatabase)) {
    return {
      kind: "invalid",
      line: commands.map((c) => c.line).join(" / "),
      problem: "the comment holds more than one different command; post one command per comment.",
    };
  }
  return { kind: "command", command: first };
}
