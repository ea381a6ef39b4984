// The `pulumi` runner and the config writes, against a stand-in `pulumi` that records its argv, stdin and
// environment per call: secrets travel on stdin only, credentials meant for the CLI itself are withheld from the
// child, and a failure's message is redacted and ends with what to do next.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PulumiCli, PulumiCommandError } from "../../../cli/pulumi/runner";
import { clearLocalConfig, readLocalPlainValues, writeConfig } from "../../../cli/pulumi/stack-config";
import { setTags } from "../../../cli/pulumi/stacks";

const FAKE_PULUMI = `#!/bin/sh
n=$(ls "$FAKE_LOG" | wc -l)
d="$FAKE_LOG/$(printf %03d "$n")"
mkdir "$d"
for a in "$@"; do printf '%s\\n' "$a"; done > "$d/args"
cat > "$d/stdin"
env > "$d/env"
[ -n "$FAKE_STDOUT" ] && printf '%s\\n' "$FAKE_STDOUT"
[ -n "$FAKE_STDERR" ] && printf '%s\\n' "$FAKE_STDERR" >&2
exit "\${FAKE_EXIT:-0}"
`;

interface Call {
  args: string[];
  stdin: string;
  env: string;
}

describe("PulumiCli with a recording stand-in", () => {
  let root: string;
  let binDir: string;
  let log: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "pulumi-runner-"));
    binDir = path.join(root, "bin");
    log = path.join(root, "log");
    mkdirSync(binDir);
    mkdirSync(log);
    writeFileSync(path.join(binDir, "pulumi"), FAKE_PULUMI);
    chmodSync(path.join(binDir, "pulumi"), 0o755);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function cli(env: Record<string, string> = {}, secrets: string[] = []): PulumiCli {
    return new PulumiCli({
      cwd: root,
      binDir,
      env: { PATH: process.env.PATH ?? "", FAKE_LOG: log, ...env },
      secrets,
      withheldEnv: ["FORGE_TOKEN"],
    });
  }

  function calls(): Call[] {
    return readdirSync(log)
      .sort()
      .map((dir) => ({
        args: readFileSync(path.join(log, dir, "args"), "utf8")
          .split("\n")
          .slice(0, -1),
        stdin: readFileSync(path.join(log, dir, "stdin"), "utf8"),
        env: readFileSync(path.join(log, dir, "env"), "utf8"),
      }));
  }

  it("adds --non-interactive and --color never before a `--`, and runs in the project directory's bin", async () => {
    const result = await cli({ FAKE_STDOUT: "out" }).run(["stack", "tag", "set", "app", "--", "-value"]);

    expect(result).toMatchObject({ exitCode: 0, stdout: "out\n" });
    expect(calls()[0]?.args).toEqual([
      "stack",
      "tag",
      "set",
      "app",
      "--non-interactive",
      "--color",
      "never",
      "--",
      "-value",
    ]);
    expect(calls()[0]?.env).toContain(`PATH=${binDir}${path.delimiter}`);
  });

  it("withholds the CLI's own credentials from the child's environment", async () => {
    await cli({ FORGE_TOKEN: "tok-withheld-1", OTHER: "kept" }).run(["version"]);

    expect(calls()[0]?.env).not.toContain("tok-withheld-1");
    expect(calls()[0]?.env).toContain("OTHER=kept");
  });

  it("writes plain keys in one set-all and each secret through stdin, never on the command line", async () => {
    await writeConfig(cli(), "pr-4", {
      "forge-previews:forgeOrg": { value: "acme", secret: false },
      apps: { value: '{"a":1}', secret: false, objectValue: { a: 1 } },
      "forge-previews:forgeToken": { value: "tok-very-secret", secret: true },
      sshPrivateKey: { value: "-----BEGIN KEY-----\nabc\n", secret: true },
    });

    const recorded = calls();
    expect(recorded.map((c) => c.args.slice(0, 4))).toEqual([
      ["config", "set-all", "--stack", "pr-4"],
      ["config", "set", "--secret", "--stack"],
      ["config", "set", "--secret", "--stack"],
    ]);
    expect(JSON.parse(recorded[0]?.args[5] ?? "")).toEqual({
      "forge-previews:forgeOrg": { value: "acme", secret: false },
      "forge-previews:apps": { value: '{"a":1}', secret: false, objectValue: { a: 1 } },
    });
    expect(recorded[1]).toMatchObject({ stdin: "tok-very-secret\n" });
    expect(recorded[1]?.args).toContain("forge-previews:forgeToken");
    // `config set` drops one trailing newline, so the key's own newline survives.
    expect(recorded[2]).toMatchObject({ stdin: "-----BEGIN KEY-----\nabc\n\n" });
    expect(recorded.flatMap((c) => c.args).join(" ")).not.toMatch(/tok-very-secret|BEGIN KEY/);
  });

  it("sets only the tags whose value changed", async () => {
    await setTags(
      cli(),
      "pr-4",
      { "forge-previews:app": "demo", "forge-previews:branch": "new" },
      { "forge-previews:app": "demo", "forge-previews:branch": "old" },
    );

    expect(calls().map((c) => c.args)).toEqual([
      [
        "stack",
        "tag",
        "set",
        "--stack",
        "pr-4",
        "forge-previews:branch",
        "--non-interactive",
        "--color",
        "never",
        "--",
        "new",
      ],
    ]);
  });

  it("fails with the command, the redacted stderr and the next step", async () => {
    const runner = cli({ FAKE_EXIT: "3", FAKE_STDERR: "error: decrypting tok-leaked-999 failed" }, ["tok-leaked-999"]);
    const failure = runner.runChecked(["stack", "ls", "--json"], "Check the passphrase.");

    await expect(failure).rejects.toBeInstanceOf(PulumiCommandError);
    await expect(failure).rejects.toThrow(
      "`pulumi stack ls --json` exited with 3:\nerror: decrypting [REDACTED] failed\nCheck the passphrase.",
    );
  });

  it("hands over complete stdout lines as they arrive", async () => {
    const lines: string[] = [];
    await cli({ FAKE_STDOUT: '{"a":1}\n{"b":2}' }).run(["up"], { onStdoutLine: (line) => lines.push(line) });

    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("parses --json output and refuses output that is not JSON", async () => {
    await expect(cli({ FAKE_STDOUT: '[{"name":"pr-1"}]' }).json(["stack", "ls", "--json"], "next")).resolves.toEqual([
      { name: "pr-1" },
    ]);
    await expect(cli({ FAKE_STDOUT: "oops" }).json(["stack", "ls", "--json"], "Try again.")).rejects.toThrow(
      "printed something that is not JSON; Try again.",
    );
  });
});

describe("the local stack file", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "stack-file-"));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the encryption header when its config is cleared", () => {
    const file = path.join(dir, "Pulumi.pr-1.yaml");
    writeFileSync(
      file,
      "encryptionsalt: v1:abc:v1:def\nconfig:\n  forge-previews:redeployToken: t1\n  forge-previews:forgeToken:\n    secure: v1:xyz\n",
    );

    expect(readLocalPlainValues(dir, "pr-1")).toEqual({ "forge-previews:redeployToken": "t1" });
    clearLocalConfig(dir, "pr-1");

    expect(readFileSync(file, "utf8")).toBe("encryptionsalt: v1:abc:v1:def\nconfig: {}\n");
    expect(readLocalPlainValues(dir, "pr-1")).toEqual({});
  });

  it("treats a missing file as no local values, and clearing it as a no-op", () => {
    expect(readLocalPlainValues(dir, "pr-9")).toBeNull();
    clearLocalConfig(dir, "pr-9");
    expect(readdirSync(dir)).toEqual([]);
  });
});
