// stacks/naming.ts is the one place that builds or parses a preview's stack name (`pr-<n>`, `<app>-pr-<n>`); a second
// copy of the format drifts (issue #12). This scans the product source for code that spells the format out itself.
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const SCANNED = ["index.ts", "providers", "stacks", "cli", "tools", "bench"];
const OWNER = "stacks/naming.ts";

/**
 * Code that builds or parses a stack name. `pr-` counts only at the start of a name or after a `-` or `}`: after `:`
 * it is the PR comment's marker (`forge-previews:pr-12`), after `.` or `/` part of a domain or path, after `_` a
 * database name, whose format lives in providers/common/ownership.ts for the providers.
 */
const STACK_NAME_CODE: ReadonlyArray<[string, RegExp]> = [
  ["a template building `pr-${…}`", /(?<![\w:./])pr-\$\{/],
  ["a string `pr-` or `-pr-` to concatenate or split", /["'`]-?pr-["'`]/],
  ["a pattern matching `pr-` and a number", /(?<![\w:./])pr-\(?(?:\\{1,2}d|\[[01]-9\])/],
];

/** Drops whole-line and block comments, which may show the format as documentation. */
function codeOf(source: string): string {
  return source.replace(/^\s*\/\*[\s\S]*?\*\//gm, "").replace(/^\s*\/\/.*$/gm, "");
}

function offencesIn(source: string): string[] {
  const code = codeOf(source);
  return STACK_NAME_CODE.flatMap(([what, pattern]) =>
    code
      .split("\n")
      .filter((line) => pattern.test(line))
      .map((line) => `${what}: ${line.trim()}`),
  );
}

function sourceFiles(entry: string): string[] {
  const absolute = path.join(ROOT, entry);
  if (fs.statSync(absolute).isFile()) return entry.endsWith(".ts") ? [entry] : [];
  return fs
    .readdirSync(absolute)
    .flatMap((name) => (name === "node_modules" ? [] : sourceFiles(path.join(entry, name))));
}

describe("the stack-name owner", () => {
  it.each([
    ["a template for the default app", "const stack = `pr-${pr}`;"],
    ["a template for another app", "return `${app}-pr-${pr}`;"],
    ["a concatenation", 'const stack = app + "-pr-" + pr;'],
    ["a prefix test", 'if (name.startsWith("pr-")) return;'],
    ["a parsing regex", "const match = /^(?:([a-z]+)-)?pr-(\\d+)$/.exec(stack);"],
    ["a parsing regex with a digit class", "const match = /^pr-([1-9][0-9]*)$/.exec(stack);"],
    ["a RegExp built from a string", 'new RegExp("^pr-(\\\\d+)$")'],
  ])("recognises %s", (_what, line) => {
    expect(offencesIn(line)).toHaveLength(1);
  });

  it.each([
    ["the PR comment's marker", "return `<!-- forge-previews:pr-${pr} -->`;"],
    ["a domain under the stack", "domain: `${stack}.${input.previewDomain}`,"],
    ["a database name", "if (!target.startsWith(`${app}_pr_`)) fail();"],
    ["an example in a message", 'throw new UserError("use a name such as `pr-12.preview.example.com`");'],
    ["the format in a comment", "/** Pulumi stack: `pr-<n>` for the default app, `<app>-pr-<n>` otherwise. */"],
  ])("leaves alone %s", (_what, line) => {
    expect(offencesIn(line)).toStrictEqual([]);
  });

  it(`finds no stack name built or parsed outside ${OWNER}`, () => {
    const files = SCANNED.flatMap(sourceFiles).filter((file) => file !== OWNER);
    expect(files.length).toBeGreaterThan(100);

    const offences = files.flatMap((file) =>
      offencesIn(fs.readFileSync(path.join(ROOT, file), "utf8")).map((offence) => `${file}: ${offence}`),
    );

    expect(offences).toStrictEqual([]);
  });
});
