import fc from "fast-check";
import { parseCommentCommand } from "../../../../cli/github/comment-commands";

// Each body is a shape GitHub renders as code, a quote, a list or hidden text; a command in it must not start work.
describe("comment commands in Markdown that GitHub does not show as a plain paragraph", () => {
  it.each([
    ["a fence inside a list item, closed at the margin", "- notes\n\n  ```\n  log\n```\n/destroy\n```"],
    ["a tilde fence inside a list item, closed at the margin", "1. step\n\n   ~~~\n   log\n~~~\n/destroy\n~~~"],
    ["a fence opened on the list-marker line", "- ```\n  /destroy\n  ```"],
    ["a fence opened on an ordered list-marker line", "1. ```sh\n   /destroy\n   ```"],
    ["a tilde fence opened on a star list-marker line", "* ~~~\n  /update reset-db\n  ~~~"],
    ["an HTML comment opened mid-line", "text <!--\n/destroy\n-->"],
    [
      "an HTML comment opened mid-line and closed mid-line",
      "Deploying soon <!-- note for the bot\n/preview reset-db\n--> thanks",
    ],
    ["a lazy block-quote continuation line", "> quoted\n/destroy"],
    ["a lazy continuation after a longer quote", "> first\n> second\n/update"],
    ["a <pre> block", "<pre>\n/destroy\n</pre>"],
    ["a <pre> block with blank lines", "<pre>\n\n/destroy\n\n</pre>"],
    ["a <code> block", "<code>\n/destroy\n</code>"],
    ["a <code> block with blank lines", "<code>\n\n/destroy\n\n</code>"],
    ["a <code> element opened at the end of a paragraph line", "See <code>\n/destroy\n</code>"],
    ["a collapsed <details> section", "<details>\n<summary>log</summary>\n\n/destroy\n\n</details>"],
    ["a <details> section never closed", "<details>\n\n/destroy"],
    ["a lazy continuation of a list item", "- item\n/destroy"],
    ["a list item", "- /destroy"],
    ["a paragraph inside a list item", "- first\n\n  /destroy"],
    ["a setext heading", "/destroy\n---"],
    ["a table row", "| a |\n| - |\n/destroy"],
  ])("finds no command in %s", (_shape, body) => expect(parseCommentCommand(body)).toEqual({ kind: "none" }));

  it.each([
    ["\\/preview"],
    ["&#47;preview"],
    ["**/preview**"],
    ["<b>/preview</b>"],
    ["[/preview](https://example.com)"],
  ])("takes only a command typed as plain text, not %j", (body) =>
    expect(parseCommentCommand(body)).toEqual({ kind: "none" }),
  );
});

describe("comment commands in a plain paragraph after other Markdown", () => {
  it.each([
    ["after a list", "- one\n- two\n\n/preview", "preview"],
    ["after a fenced block closes", "```\n/preview\n```\n/destroy", "destroy"],
    ["after a list item's fence closes", "- log\n\n  ```\n  /preview\n  ```\n\n/update", "update"],
    ["in a paragraph after a quote and a blank line", "> /destroy\n\n/preview", "preview"],
    ["after an HTML comment block closes", "<!--\n/destroy\n-->\n/preview", "preview"],
    ["after an inline HTML comment closes", "Ready <!-- hidden -->\n/update", "update"],
    ["after a <details> section closes", "<details>\n\n/destroy\n\n</details>\n\n/preview", "preview"],
    ["after a <pre> block closes", "<pre>\n/destroy\n</pre>\n\n/update", "update"],
    ["after a hard line break", "Thanks!  \n/preview", "preview"],
    // CommonMark ends the list at the unindented line, so GitHub shows it as a plain paragraph between two code blocks.
    ["on an unindented line after a fence opened on a list-marker line", "- ```\n/destroy\n```", "destroy"],
  ])("runs the command %s", (_where, body, name) =>
    expect(parseCommentCommand(body)).toMatchObject({ kind: "command", command: { name } }),
  );

  it("refuses an option typed as code instead of reading it as the option", () => {
    expect(parseCommentCommand("/preview `reset-db`")).toEqual({
      kind: "invalid",
      line: "/preview `reset-db`",
      problem: "`/preview` does not know the option ``reset-db``; it accepts only `reset-db`.",
    });
  });
});

type Wrap = (inner: string) => string;

function longestRun(text: string, char: string): number {
  const runs = text.match(new RegExp(`\\${char}+`, "g")) ?? [];
  return Math.max(0, ...runs.map((run) => run.length));
}

/** A fence that no line inside can close, as a person would pick it. */
function fenceFor(inner: string, char: "`" | "~"): string {
  return char.repeat(Math.max(3, longestRun(inner, char) + 1));
}

function indent(inner: string, width: number): string {
  return inner
    .split("\n")
    .map((line) => (line === "" ? "" : " ".repeat(width) + line))
    .join("\n");
}

interface Construct {
  wrap: Wrap;
  /** False when the inner text would end the construct early; the nesting then skips it. */
  holds?: (inner: string) => boolean;
}

// Every construct ends itself, so that after it and a blank line a paragraph is plain text again.
const constructs: Record<string, Construct> = {
  backtickFence: { wrap: (inner) => `${fenceFor(inner, "`")}sh\n${inner}\n${fenceFor(inner, "`")}` },
  tildeFence: { wrap: (inner) => `${fenceFor(inner, "~")}\n${inner}\n${fenceFor(inner, "~")}` },
  indentedCode: { wrap: (inner) => indent(inner, 4) },
  quote: {
    wrap: (inner) =>
      inner
        .split("\n")
        .map((line) => (line === "" ? ">" : `> ${line}`))
        .join("\n"),
  },
  listItem: { wrap: (inner) => `- note\n\n${indent(inner, 2)}` },
  fenceOnListMarker: { wrap: (inner) => `1. ${fenceFor(inner, "`")}\n${indent(inner, 3)}\n   ${fenceFor(inner, "`")}` },
  fenceInListItem: {
    wrap: (inner) => `* log\n\n  ${fenceFor(inner, "~")}\n${indent(inner, 2)}\n  ${fenceFor(inner, "~")}`,
  },
  // HTML comments do not nest: the first `-->` ends the outer one.
  htmlComment: { wrap: (inner) => `<!--\n${inner}\n-->`, holds: (inner) => !inner.includes("-->") },
  // A `<pre>` HTML block ends at the first `</pre>`.
  pre: { wrap: (inner) => `<pre>\n${inner}\n</pre>`, holds: (inner) => !inner.includes("</pre>") },
  // Without blank lines around it, a `<code>` HTML block ends at the first blank line inside.
  code: { wrap: (inner) => (inner.includes("\n\n") ? `<code>\n\n${inner}\n\n</code>` : `<code>\n${inner}\n</code>`) },
  details: { wrap: (inner) => `<details>\n<summary>log</summary>\n\n${inner}\n\n</details>` },
};

// Shapes that hold a single line: a lazy continuation and an inline comment live inside one paragraph, a code span
// inside one line.
const lineConstructs: Record<string, Wrap> = {
  lazyQuote: (line) => `> quoted\n${line}`,
  midLineHtmlComment: (line) => `Noted <!--\n${line}\n-->`,
  codeSpan: (line) => `\`${line}\``,
};

const hiddenCommand = fc.constantFrom("/destroy", "/update", "/update reset-db", "/destroy reset-db", "/preview now");
const filler = fc
  .array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 6 })
  .map((words) => words.join(" "));

const wrappedCommand = fc
  .record({
    command: hiddenCommand,
    margin: fc.constantFrom("", " ", "   "),
    line: fc.option(fc.constantFrom(...Object.keys(lineConstructs)), { nil: undefined }),
    blocks: fc.array(fc.constantFrom(...Object.keys(constructs)), { minLength: 1, maxLength: 4 }),
    before: fc.option(filler, { nil: undefined }),
    after: fc.option(filler, { nil: undefined }),
  })
  .map(({ command, margin, line, blocks, before, after }) => {
    let body = line === undefined ? margin + command : lineConstructs[line](command);
    // The innermost construct always holds the command; an outer one that would end early is left out.
    for (const block of blocks) if (constructs[block].holds?.(body) ?? true) body = constructs[block].wrap(body);
    return [before, body, after].filter((part) => part !== undefined).join("\n\n");
  });

describe("comment commands wrapped in code, quotes, lists or HTML", () => {
  it("never runs a command inside any nesting of them", () => {
    fc.assert(
      fc.property(wrappedCommand, (body) => {
        expect(parseCommentCommand(body)).toEqual({ kind: "none" });
      }),
      { numRuns: 500 },
    );
  });

  // The same bodies end where they should: a command in a paragraph after them runs, and only that one.
  it("runs the command in a plain paragraph after any of them", () => {
    fc.assert(
      fc.property(wrappedCommand, (body) => {
        expect(parseCommentCommand(`${body}\n\n/preview reset-db`)).toEqual({
          kind: "command",
          command: { name: "preview", resetDatabase: true, line: "/preview reset-db" },
        });
      }),
      { numRuns: 500 },
    );
  });
});
