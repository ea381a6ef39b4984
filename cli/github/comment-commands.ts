/**
 * Finds the command in a PR comment. A command counts only as the first word of a line of ordinary text: a
 * `contains(body, '/preview')` test would fire on "please don't /preview yet", on quoted replies and on code samples,
 * and each of those starts real work on a shared server.
 */

export type CommandName = "preview" | "update" | "destroy";

export interface CommentCommand {
  name: CommandName;
  /** Clone the master database again, replacing the PR's data (`/preview reset-db`, `/update reset-db`). */
  resetDatabase: boolean;
  /** The line the command came from, trimmed, for messages. */
  line: string;
}

export type ParsedComment =
  | { kind: "none" }
  | { kind: "command"; command: CommentCommand }
  | { kind: "invalid"; line: string; problem: string };

const OPTIONS: Record<CommandName, readonly string[]> = {
  preview: ["reset-db"],
  update: ["reset-db"],
  destroy: [],
};

export const COMMAND_HELP =
  "`/preview` creates or updates the preview, `/preview reset-db` also replaces its database with a fresh clone, " +
  "`/update` redeploys the PR branch (`/update reset-db` likewise), `/destroy` removes the preview.";

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

/** Lines that Markdown renders as ordinary text: not inside fences, HTML comments, quotes or indented code. */
function plainTextLines(body: string): string[] {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const plain: string[] = [];
  let fence: { char: string; length: number } | null = null;
  let inHtmlComment = false;
  for (const line of lines) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      continue;
    }
    if (inHtmlComment) {
      if (line.includes("-->")) inHtmlComment = false;
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = { char: open[1][0], length: open[1].length };
      continue;
    }
    if (/^ {0,3}<!--/.test(line)) {
      inHtmlComment = !line.includes("-->", line.indexOf("<!--") + 4);
      continue;
    }
    // Four spaces or a tab make an indented code block; `>` a quote of someone else's words.
    if (/^( {4}|\t)/.test(line) || /^ {0,3}>/.test(line)) continue;
    plain.push(line.trim());
  }
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
      const allowed = OPTIONS[name].length > 0 ? `it accepts only ${OPTIONS[name].map((o) => `\`${o}\``).join(", ")}` : "it takes no options";
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
