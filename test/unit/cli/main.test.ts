// The entry point run in-process: which command runs, what is printed where, and the exit codes
// (0 done, 1 failed, 2 the command line was wrong). Nothing here reaches a backend.
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/output";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function io(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env, cwd: process.cwd() };
}

describe("forge-previews main", () => {
  it("lists the commands and the environment it reads with --help", async () => {
    const run = io();
    expect(await main(["--help"], run)).toBe(0);

    const text = run.stdout.join("\n");
    for (const command of ["up", "destroy", "list", "doctor", "sandbox", "github", "sweep"])
      expect(text).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
    expect(text).toContain("PULUMI_BACKEND_URL");
    expect(text).toContain("FORGE_PREVIEWS_SSH_PRIVATE_KEY");
  });

  it("prints a command's usage for `help <command>` and `<command> --help`", async () => {
    const first = io();
    const second = io();
    expect(await main(["help", "destroy"], first)).toBe(0);
    expect(await main(["destroy", "--help"], second)).toBe(0);
    expect(first.stdout[0]).toMatch(/^Usage: forge-previews destroy --pr <n>/);
    expect(second.stdout).toEqual(first.stdout);
  });

  it("exits with 2 for an unknown command", async () => {
    const run = io();
    expect(await main(["deploy"], run)).toBe(2);
    expect(run.stderr[0]).toMatch(/^Unknown command "deploy"\./);
  });

  it("exits with 2 for a name that is only a property of every object", async () => {
    const run = io();
    expect(await main(["constructor"], run)).toBe(2);
    expect(run.stderr[0]).toMatch(/^Unknown command "constructor"\./);
  });

  it.each(["github", "sweep"])(
    "%s reports an unknown option as its own one-line error, before reading any configuration",
    async (command) => {
      const run = io();
      expect(await main([command, "--all"], run)).toBe(1);
      expect(run.stdout).toEqual([`${command}: Unknown option '--all'.`]);
    },
  );

  it("exits with 2 and shows the usage when a required option is missing", async () => {
    const run = io();
    expect(await main(["up", "--pr", "3", "--branch", "main"], run)).toBe(2);
    expect(run.stderr.join("\n")).toMatch(
      /^error: `--sha` is required: the PR's head commit\.\n\nUsage: forge-previews up/,
    );
  });

  it.each([
    [["up", "--pr", "3", "--branch", "main", "--sha", "abc"], /The commit must be the full id/],
    [["up", "--pr", "three", "--branch", "main", "--sha", SHA], /PR number must be a whole number/],
    [["up", "--pr", "3", "--branch", "a b", "--sha", SHA], /contains whitespace/],
    [["destroy", "--pr", "3", "--app", "Bad App"], /App name must be/],
    [["list", "--all"], /Unknown option '--all'/],
    [["sandbox", "reset"], /Unknown sandbox action "reset"/],
  ])("refuses %j before touching anything", async (argv, message) => {
    const run = io({ PULUMI_BACKEND_URL: "file:///nonexistent-backend", PULUMI_CONFIG_PASSPHRASE: "x" });
    expect(await main(argv, run)).toBe(2);
    expect(run.stderr.join("\n")).toMatch(message);
    expect(run.stdout).toEqual([]);
  });

  it("exits with 1 and names the variable when the backend is not configured", async () => {
    const run = io({ PULUMI_CONFIG_PASSPHRASE: "x" });
    expect(await main(["list"], run)).toBe(1);
    expect(run.stderr.join("\n")).toMatch(/^error: PULUMI_BACKEND_URL is not set/);
  });

  it("removes secret values of the environment from error messages", async () => {
    const token = "tok-must-not-appear-1234";
    const run = io({
      PULUMI_BACKEND_URL: "file:///x",
      PULUMI_CONFIG_PASSPHRASE: "x",
      FORGE_TOKEN: token,
      FORGE_PREVIEWS_CONFIG_FILE: `/nonexistent/${token}.yaml`,
    });
    expect(await main(["up", "--pr", "3", "--branch", "main", "--sha", SHA], run)).toBe(1);

    const text = run.stderr.join("\n");
    expect(text).toContain("FORGE_PREVIEWS_CONFIG_FILE (/nonexistent/[REDACTED].yaml) cannot be read");
    expect(text).not.toContain(token);
  });
});
