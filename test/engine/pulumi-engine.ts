// Drives the real `pulumi` CLI (built by scripts/pulumi-cli.sh) against a throw-away copy of a Pulumi project, with
// a file:// backend, its own PULUMI_HOME and no plugin downloads, and returns its JSON output parsed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";

import {
  OperationReport,
  StackSummary,
  StateResource,
  JsonObject,
  parseEngineEvents,
  parsePreviewDigest,
  parseStackExport,
  parseStackList,
  parseStackOutputs,
} from "./engine-json";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** Passphrase of the throw-away secrets provider; it protects nothing outside the temp directory. */
const passphrase = "engine-test-passphrase";

/** Generous: the CLI, the language host, ts-node and the dynamic-provider host all start per command. */
const defaultCommandTimeoutMs = 240_000;

export interface PulumiRun {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The engine's error diagnostics, each with its resource, when stdout is a `--json` event stream: the stdout tail
 * below can have cut off the one that says which step failed.
 */
function engineErrors(stdout: string): string {
  let diagnostics: OperationReport["diagnostics"];
  try {
    diagnostics = parseEngineEvents(stdout).diagnostics;
  } catch {
    return "";
  }
  const errors = diagnostics.filter((d) => d.severity === "error").map((d) => `${d.urn ?? "(stack)"}: ${d.message}`);
  return errors.length === 0 ? "" : `--- engine errors ---\n${errors.join("\n").slice(-4000)}\n`;
}

export class PulumiCommandError extends Error {
  constructor(public readonly run: PulumiRun) {
    super(
      // Only the subcommand: the arguments can hold secrets (`config set-all --json`).
      `\`pulumi ${run.args.slice(0, 2).join(" ")}\` exited with ${run.signal ?? run.exitCode}\n` +
        engineErrors(run.stdout) +
        `--- stderr ---\n${run.stderr.slice(-4000)}\n--- stdout ---\n${run.stdout.slice(-4000)}`,
    );
    this.name = "PulumiCommandError";
  }
}

/** The @pulumi/pulumi version installed in node_modules, which the CLI must match. */
export async function sdkVersion(): Promise<string> {
  const manifest: unknown = JSON.parse(
    await readFile(path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
  );
  if (typeof manifest !== "object" || manifest === null || !("version" in manifest)) {
    throw new Error("node_modules/@pulumi/pulumi/package.json has no `version`; run `npm ci`");
  }
  return String(manifest.version);
}

/**
 * The directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`, as
 * scripts/pulumi-cli.sh lays it out. Fails, naming the command to run, when the CLI is not built.
 */
export async function pulumiBinDir(): Promise<string> {
  const version = await sdkVersion();
  const cacheRoot =
    process.env.FORGE_PREVIEWS_CACHE ?? path.join(process.env.HOME ?? tmpdir(), ".cache", "forge-previews");
  const binDir = process.env.PULUMI_CLI_BIN_DIR ?? path.join(cacheRoot, "pulumi", version, "bin");
  const missing = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].filter(
    (name) => !existsSync(path.join(binDir, name)),
  );
  if (missing.length > 0) {
    throw new Error(
      `the Pulumi CLI v${version} is not built (${missing.join(", ")} missing from ${binDir}); ` +
        "build it with `scripts/pulumi-cli.sh` at the repository root",
    );
  }
  return binDir;
}

/** Runs a command and collects its output; never rejects on a non-zero exit. */
function runProcess(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        args,
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

export interface PulumiWorkspaceOptions {
  /** Project to copy (Pulumi.yaml, program, package.json, tsconfig.json). */
  projectSource: string;
  /** Bin directory of the CLI; defaults to where scripts/pulumi-cli.sh builds it. */
  binDir?: string;
  commandTimeoutMs?: number;
}

/**
 * A temporary directory holding a copy of the project (with `node_modules` linked to the repository's, so the
 * program, ts-node and the dynamic-provider host all resolve the repository's @pulumi/pulumi from the project
 * directory), a PULUMI_HOME and a file:// backend. Stack config files land in the copy, never in the repository.
 */
export class PulumiWorkspace {
  private constructor(
    public readonly root: string,
    public readonly projectDir: string,
    public readonly backendDir: string,
    private readonly binDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
  ) {}

  static async create(options: PulumiWorkspaceOptions): Promise<PulumiWorkspace> {
    const binDir = options.binDir ?? (await pulumiBinDir());
    const root = await mkdtemp(path.join(tmpdir(), "pulumi-engine-"));
    const projectDir = path.join(root, "project");
    const backendDir = path.join(root, "backend");
    const home = path.join(root, "pulumi-home");
    try {
      await cp(options.projectSource, projectDir, { recursive: true });
      await mkdir(backendDir);
      await symlink(path.join(repoRoot, "node_modules"), path.join(projectDir, "node_modules"), "dir");
    } catch (err) {
      await rm(root, { recursive: true, force: true });
      throw err;
    }

    // Inherited PULUMI_* settings (a developer's login, access token, backend) must not leak into the test.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_")),
    );
    Object.assign(env, {
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: home,
      PULUMI_BACKEND_URL: `file://${backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      NO_COLOR: "1",
    });
    return new PulumiWorkspace(
      root,
      projectDir,
      backendDir,
      binDir,
      env,
      options.commandTimeoutMs ?? defaultCommandTimeoutMs,
    );
  }

  /** Runs `pulumi <args> --non-interactive` in the project directory; rejects on a non-zero exit. */
  async run(args: string[]): Promise<PulumiRun> {
    const run = await this.runAllowingFailure(args);
    if (run.exitCode !== 0) {
      throw new PulumiCommandError(run);
    }
    return run;
  }

  /** Like run(), but resolves with the result whatever the exit code. */
  runAllowingFailure(args: string[]): Promise<PulumiRun> {
    // Global flags go before a `--`, after which everything is a positional argument.
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    const withFlags = [...args.slice(0, end), "--non-interactive", "--color", "never", ...args.slice(end)];
    return runProcess(path.join(this.binDir, "pulumi"), withFlags, {
      cwd: this.projectDir,
      env: this.env,
      timeoutMs: this.timeoutMs,
    });
  }

  async version(): Promise<string> {
    return (await this.run(["version"])).stdout.trim();
  }

  async stackInit(stack: string): Promise<void> {
    await this.run(["stack", "init", stack]);
  }

  async configSet(stack: string, key: string, value: string, options: { secret?: boolean } = {}): Promise<void> {
    // The value goes after `--` so one starting with a dash is not read as a flag.
    await this.run(["config", "set", "--stack", stack, ...(options.secret ? ["--secret"] : []), key, "--", value]);
  }

  async up(stack: string): Promise<OperationReport> {
    return parseEngineEvents((await this.run(["up", "--stack", stack, "--yes", "--skip-preview", "--json"])).stdout);
  }

  async preview(stack: string): Promise<OperationReport> {
    return parsePreviewDigest((await this.run(["preview", "--stack", stack, "--json"])).stdout);
  }

  async refresh(stack: string): Promise<OperationReport> {
    return parseEngineEvents(
      (await this.run(["refresh", "--stack", stack, "--yes", "--skip-preview", "--json"])).stdout,
    );
  }

  async destroy(stack: string): Promise<OperationReport> {
    return parseEngineEvents(
      (await this.run(["destroy", "--stack", stack, "--yes", "--skip-preview", "--json"])).stdout,
    );
  }

  async stackOutputs(stack: string): Promise<JsonObject> {
    return parseStackOutputs((await this.run(["stack", "output", "--stack", stack, "--json"])).stdout);
  }

  async stackExport(stack: string): Promise<StateResource[]> {
    return parseStackExport((await this.run(["stack", "export", "--stack", stack])).stdout);
  }

  async stackList(): Promise<StackSummary[]> {
    return parseStackList((await this.run(["stack", "ls", "--json"])).stdout);
  }

  async stackRemove(stack: string): Promise<void> {
    await this.run(["stack", "rm", stack, "--yes"]);
  }

  /** Deletes the temporary directory, state and all. */
  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
