// `forge-previews refresh` is a command like the others: listed in the help, its own flags, bad input refused
// before any backend is touched.
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/output";

function io(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env, cwd: process.cwd() };
}

const BACKEND = { PULUMI_BACKEND_URL: "file:///nonexistent-backend", PULUMI_CONFIG_PASSPHRASE: "x" };

describe("forge-previews refresh", () => {
  it("is listed in the help with what it does", async () => {
    const run = io();
    expect(await main(["--help"], run)).toBe(0);
    expect(run.stdout.join("\n")).toMatch(/^ {2}refresh +record in a preview's state what exists on Forge now/m);
  });

  it("prints its own usage for --help", async () => {
    const run = io();
    expect(await main(["refresh", "--help"], run)).toBe(0);
    expect(run.stdout[0]).toMatch(/^Usage: forge-previews refresh --pr <n> \[--app <app>\] \[--json\]/);
  });

  it.each([
    [["refresh"], /`--pr` is required: the pull request number/],
    [["refresh", "--pr", "three"], /PR number must be a whole number/],
    [["refresh", "--pr", "3", "--app", "Bad App"], /App name must be/],
    [["refresh", "--pr", "3", "--branch", "main"], /Unknown option '--branch'/],
    [["refresh", "--pr", "3", "extra"], /Unexpected argument "extra"/],
  ])("refuses %j with the usage, before touching the backend", async (argv, message) => {
    const run = io(BACKEND);
    expect(await main(argv, run)).toBe(2);
    expect(run.stderr.join("\n")).toMatch(message);
    expect(run.stderr.join("\n")).toContain("Usage: forge-previews refresh");
    expect(run.stdout).toEqual([]);
  });
});
