import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  LARAVEL_STEPS,
  branchProblem,
  buildDeploymentScript,
  quoteShellArgument,
  scriptLineProblem,
  siteDirectoryProblem,
  type DeploymentScriptInputs,
} from "../../../../providers/deployment/script";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const BASE: DeploymentScriptInputs = {
  siteDirectory: "/home/forge/pr-7.example.dev",
  branch: "feature/login",
  commitSha: SHA,
  phpVersion: "php84",
  extraScriptLines: [],
};

function bashSyntaxCheck(script: string): { status: number | null; stderr: string } {
  const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  return { status: result.status, stderr: result.stderr };
}

/** Runs the script's checkout (the part before the Laravel steps) with `git` and `cd` replaced by printers. */
function runWithRecordingCommands(script: string, workdir: string): string {
  const shims = [
    "git() { printf '<git'; printf ' [%s]' \"$@\"; printf '>\\n'; }",
    "cd() { printf '<cd [%s]>\\n' \"$1\"; }",
  ].join("\n");
  const checkout = script.slice(0, script.indexOf(LARAVEL_STEPS[0]));
  return execFileSync("bash", ["-c", `${shims}\n${checkout}`], { cwd: workdir, encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith("<"))
    .join("\n");
}

describe("buildDeploymentScript", () => {
  it("resets to exactly the given commit after fetching the branch, then runs Laravel's steps", () => {
    const script = buildDeploymentScript(BASE);

    expect(script.split("\n")).toStrictEqual([
      "# Managed by forge-previews: edits made in Forge are replaced on the next deployment.",
      "# PHP php84: Forge points $FORGE_PHP and $FORGE_COMPOSER at the site's PHP version.",
      "set -e",
      "",
      "cd '/home/forge/pr-7.example.dev'",
      "git fetch origin 'feature/login'",
      `git reset --hard '${SHA}'`,
      "",
      ...LARAVEL_STEPS,
      "",
    ]);
    expect(LARAVEL_STEPS).toEqual(
      expect.arrayContaining([
        "$FORGE_COMPOSER install --no-interaction --prefer-dist --optimize-autoloader --no-dev",
        "$FORGE_PHP artisan migrate --force",
        "$FORGE_PHP artisan config:cache",
        "$FORGE_PHP artisan route:cache",
        "$FORGE_PHP artisan view:cache",
        "$FORGE_PHP artisan queue:restart",
      ]),
    );
  });

  it("pulls the branch head when no commit is known", () => {
    const script = buildDeploymentScript({ ...BASE, commitSha: null });

    expect(script).toContain("\ngit pull origin 'feature/login'\n");
    expect(script).not.toContain("git reset");
  });

  it("appends the app's own lines after the Laravel steps", () => {
    const script = buildDeploymentScript({ ...BASE, extraScriptLines: ["npm ci", "npm run build"] });

    expect(script.endsWith("$FORGE_PHP artisan queue:restart\n\n# App-specific steps\nnpm ci\nnpm run build\n")).toBe(
      true,
    );
  });

  it("passes bash -n", () => {
    expect(bashSyntaxCheck(buildDeploymentScript({ ...BASE, extraScriptLines: ["npm ci"] }))).toStrictEqual({
      status: 0,
      stderr: "",
    });
  });

  it("runs the checkout in the site directory with the branch and commit as single arguments", () => {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-script-"));
    try {
      expect(runWithRecordingCommands(buildDeploymentScript(BASE), workdir)).toBe(
        [
          "<cd [/home/forge/pr-7.example.dev]>",
          "<git [fetch] [origin] [feature/login]>",
          `<git [reset] [--hard] [${SHA}]>`,
        ].join("\n"),
      );
    } finally {
      fs.rmSync(workdir, { recursive: true, force: true });
    }
  });

  describe("with branch names full of shell metacharacters git allows", () => {
    const HOSTILE = [
      "feat/$(touch${IFS}pwned)",
      "feat/`touch${IFS}pwned`",
      "it's;touch${IFS}pwned",
      "a&&touch${IFS}pwned",
      "x|tee${IFS}pwned",
      'say"hi"',
      "semi;colon>pwned",
      "$HOME",
      "(sub)shell",
      "!history",
      "#not-a-comment",
    ];

    it.each(HOSTILE)("accepts %j as a branch git could have", (branch) => {
      expect(branchProblem(branch)).toBeNull();
      const git = spawnSync("git", ["check-ref-format", "--branch", branch], { encoding: "utf8" });
      expect(git.status).toBe(0);
    });

    it.each(HOSTILE)("hands %j to git as that literal text, runs nothing else, and passes bash -n", (branch) => {
      const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-script-"));
      try {
        const script = buildDeploymentScript({ ...BASE, branch });

        expect(bashSyntaxCheck(script).status).toBe(0);
        expect(runWithRecordingCommands(script, workdir).split("\n")[1]).toBe(`<git [fetch] [origin] [${branch}]>`);
        expect(fs.readdirSync(workdir)).toStrictEqual([]);
      } finally {
        fs.rmSync(workdir, { recursive: true, force: true });
      }
    });
  });
});

describe("quoteShellArgument", () => {
  it.each([
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", "'it'\\''s'"],
    ["$(id)", "'$(id)'"],
  ])("quotes %j as %s", (value, expected) => expect(quoteShellArgument(value)).toBe(expected));

  it("makes bash print any string back unchanged", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }).filter((value) => !value.includes("\u0000")),
        (value) => {
          const printed = execFileSync("bash", ["-c", `printf '%s' ${quoteShellArgument(value)}`], {
            encoding: "utf8",
          });
          expect(printed).toBe(value);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("branchProblem", () => {
  it.each([
    ["main", null],
    ["feature/login-v2", null],
    ["release/1.2.3", null],
    ["dependabot/npm_and_yarn/axios-1.7.4", null],
    ["", "is empty"],
    ["has space", "contains whitespace or one of ~ ^ : ? * [ \\"],
    ["tab\there", "contains a control character"],
    ["new\nline", "contains a control character"],
    ["a~1", "contains whitespace or one of ~ ^ : ? * [ \\"],
    ["a:b", "contains whitespace or one of ~ ^ : ? * [ \\"],
    ["-rf", "starts with `-`, which git would read as an option"],
    ["a..b", "contains `..`"],
    ["a@{1}", "contains `@{`"],
    ["@", "is `@`, which git reserves"],
    ["/lead", "has an empty path component"],
    ["trail/", "has an empty path component"],
    ["a//b", "has an empty path component"],
    ["dot.", "ends with `.`"],
    ["a/.hidden", "has a path component starting with `.`"],
    ["a.lock/b", "has a path component ending with `.lock`"],
    ["x".repeat(256), "is longer than 255 characters"],
  ])("judges %j: %s", (branch, problem) => expect(branchProblem(branch)).toBe(problem));

  it("never accepts a branch that git check-ref-format --branch rejects", () => {
    const alphabet = [
      "a",
      "b",
      "/",
      ".",
      "-",
      "@",
      "{",
      "~",
      "^",
      ":",
      "?",
      "*",
      "[",
      "\\",
      " ",
      "$",
      "'",
      ";",
      "`",
      "l",
      "o",
      "c",
      "k",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 8 }).map((chars) => chars.join("")),
        (branch) => {
          if (branchProblem(branch) !== null) return;
          const git = spawnSync("git", ["check-ref-format", "--branch", branch], { encoding: "utf8" });
          expect({ branch, status: git.status }).toStrictEqual({ branch, status: 0 });
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("siteDirectoryProblem", () => {
  it.each([
    ["/home/forge/pr-7.example.dev", null],
    ["/home/pr7/pr-7.example.dev", null],
    ["home/forge/site", "must be an absolute path such as `/home/forge/pr-7.example.dev`"],
    ["/home/forge/$(id)", "may only contain letters, digits, `.`, `_`, `-` and `/`"],
    ["/home/forge/a b", "may only contain letters, digits, `.`, `_`, `-` and `/`"],
    ["/home/forge/../root", "must not contain `.` or `..` components"],
    ["/home/forge/site/", "must not end with `/`"],
  ])("judges %j: %s", (directory, problem) => expect(siteDirectoryProblem(directory)).toBe(problem));
});

describe("scriptLineProblem", () => {
  it.each([
    ["npm run build", null],
    ["echo 'a' && echo \"b\"", null],
    ["one\ntwo", "contains a line break; pass each line as its own entry"],
    ["one\rtwo", "contains a line break; pass each line as its own entry"],
    ["nul\u0000", "contains a NUL character"],
  ])("judges %j: %s", (line, problem) => expect(scriptLineProblem(line)).toBe(problem));
});
