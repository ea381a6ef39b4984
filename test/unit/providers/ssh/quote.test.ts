import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { buildShellCommand, quoteShellArg } from "../../../../providers/ssh";

/** Runs `command` in a local shell the way sshd runs it remotely (`<shell> -c <command>`) and returns stdout. */
function runIn(shell: string, command: string): string {
  return execFileSync(shell, ["-c", command], { encoding: "utf8" });
}

/** Each argument printed NUL-terminated, so the split shows exactly which arguments arrived. */
function roundTrip(shell: string, args: readonly string[]): string[] {
  const out = runIn(shell, buildShellCommand(["printf", "%s\\0", ...args]));
  return out.split("\0").slice(0, -1);
}

describe("quoteShellArg", () => {
  it.each([
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", `'it'\\''s'`],
    ["'", `''\\'''`],
    ["$(id)", "'$(id)'"],
    ["a b\nc", "'a b\nc'"],
  ])("quotes %j as %s", (arg, quoted) => {
    expect(quoteShellArg(arg)).toBe(quoted);
  });

  it("refuses an argument with a NUL byte, which no program could receive", () => {
    expect(() => quoteShellArg("a\0b")).toThrow("NUL byte");
  });
});

describe("buildShellCommand", () => {
  it("refuses an empty argv and an empty program name", () => {
    expect(() => buildShellCommand([])).toThrow("at least the program name");
    expect(() => buildShellCommand(["", "x"])).toThrow("argv[0] of a remote command is empty");
  });

  it.each(["sh", "bash"])("passes shell metacharacters to the program literally in %s", (shell) => {
    const args = [
      "'; rm -rf /tmp/x; echo '",
      "$(id)",
      "`id`",
      "line one\nline two",
      `app_pr_1'; DROP DATABASE "x"; --`,
      "*",
      "~",
      "a\\b",
      "$HOME ${PATH} !! #",
      "",
      " leading and trailing ",
    ];
    expect(roundTrip(shell, args)).toStrictEqual(args);
  });

  it("round-trips any argv without NUL bytes through sh", () => {
    const arg = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 4 }), (args) => {
        expect(roundTrip("sh", args)).toStrictEqual(args);
      }),
      { numRuns: 60 },
    );
  });
});
