// Every hint a provider can give names our CLI's commands (or a PR comment), not raw `pulumi destroy/refresh/up/cancel`:
// a person with a preview has `forge-previews`, while `pulumi` needs the stack, its config and the backend by hand.
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { NEXT_UP, RUN_UP_AGAIN, previewCommand, upperFirst } from "../../../../providers/common/cli-hints";

const ROOT = path.resolve(__dirname, "../../../..");
/** Where hints are written. cli/pulumi/ words the stack-lock hints itself and is checked by its own tests. */
const HINT_DIRS = ["providers", "stacks", "cli"];
const SKIPPED = [path.join("cli", "pulumi")];
/** Lines that name a `pulumi` command without telling anyone to run it where our CLI has one. */
const NOT_HINTS: ReadonlyArray<[file: string, text: string, why: string]> = [
  ["cli/commands/doctor.ts", "`pulumi up -s snapshots`", "the snapshots stack has no forge-previews command"],
  ["providers/preflight/checks.ts", "`pulumi up -s snapshots`", "the snapshots stack has no forge-previews command"],
  ["providers/preflight/checks.ts", "\\`pulumi up -s snapshots\\`", "the same, inside a template string"],
  ["cli/commands/unlock.ts", "Runs \\`pulumi cancel\\`, which deletes", "says what the unlock command itself runs"],
  ["cli/commands/sandbox.ts", "runs \\`pulumi up\\`", "says what the sandbox command itself runs"],
  ["cli/operations.ts", "`\\`pulumi refresh\\` of stack", "names the engine command that failed"],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (SKIPPED.some((skip) => full === path.join(ROOT, skip))) return [];
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

describe("hints that name a command", () => {
  it("render our CLI's commands, with the preview's app and PR when known", () => {
    expect(previewCommand("refresh")).toBe("`forge-previews refresh --app <app> --pr <n>`");
    expect(previewCommand("destroy", { app: "shop", pr: 12 })).toBe("`forge-previews destroy --app shop --pr 12`");
    expect(RUN_UP_AGAIN).toBe("run `forge-previews up` for the PR again (or comment `/update` on it)");
    expect(upperFirst(NEXT_UP)).toBe("The next `up` (`forge-previews up`, or `/update` on the PR)");
  });

  it("never tell the user to run pulumi destroy, refresh, up or cancel in providers, stacks or cli", () => {
    const offenders = HINT_DIRS.flatMap((dir) => sourceFiles(path.join(ROOT, dir))).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => {
          // A comment may describe what the engine does; only text that reaches a person counts.
          if (/^\s*(\/\/|\*|\/\*\*)/.test(line)) return [];
          const relative = path.relative(ROOT, file);
          if (NOT_HINTS.some(([where, text]) => where === relative && line.includes(text))) return [];
          return /`pulumi (destroy|refresh|up|cancel)\b/.test(line) ? [`${relative}:${index + 1}: ${line.trim()}`] : [];
        }),
    );
    expect(offenders).toEqual([]);
  });
});
