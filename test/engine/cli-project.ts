import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_ENTRIES } from "../../providers/common/project";
import { cliConfigOf, embeddedCliEnv } from "../../tools/sandbox/cli-env";
import { type EmbeddedDefault, startEmbeddedDefault } from "../../tools/sandbox/embedded-default";
import type { SimulatorOptions } from "../../tools/simulator";
import { testServices } from "../support/services";
import { pulumiBinDir, repoRoot } from "./pulumi-engine";

/** A project directory and an embedded default (simulator and local services) for the operations CLI to work on. */
export interface CliProject {
  scratch: string;
  project: string;
  embedded: EmbeddedDefault;
  binDir: string;
  /** A CI job's environment: the embedded default's, a file backend, and none of the developer's `PULUMI_*` settings. */
  baseEnv: Record<string, string>;
  /** `baseEnv` plus the shared configuration and its secrets, passed as a workflow passes them. */
  env: Record<string, string>;
  /** The secret values `env` carries, for tests that check none of them is printed. */
  secrets: string[];
  dispose(): Promise<void>;
}

export interface CliProjectOptions {
  simulator?: Partial<SimulatorOptions>;
  /** Added to both environments, e.g. a short Forge client timeout. */
  extraEnv?: Record<string, string>;
  /** Plain configuration that takes precedence over the embedded default's. */
  config?: Record<string, unknown>;
  /** Box mode: the box (root and its packages, see test/support/box.ts) carries out what the simulator is asked. */
  box?: boolean;
}

export async function startCliProject(name: string, options: CliProjectOptions = {}): Promise<CliProject> {
  const scratch = await mkdtemp(path.join(tmpdir(), `${name}-`));
  const project = path.join(scratch, "project");
  await mkdir(project);
  for (const entry of PROJECT_ENTRIES) await symlink(path.join(repoRoot, entry), path.join(project, entry));
  await mkdir(path.join(scratch, "simulator"));
  await mkdir(path.join(scratch, "backend"));
  // The box's site users pass through the scratch dir to their pools' sockets and the box's git remote.
  if (options.box === true) await chmod(scratch, 0o711);
  const embedded = await startEmbeddedDefault({
    dir: path.join(scratch, "simulator"),
    services: testServices(),
    simulator: options.simulator,
    ...(options.box === true ? { box: { dir: path.join(scratch, "box") } } : {}),
  });
  const binDir = await pulumiBinDir();
  // A developer's own Pulumi login, backend or token must not reach these stacks.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => typeof e[1] === "string" && !e[0].startsWith("PULUMI_"),
    ),
  );
  const baseEnv: Record<string, string> = {
    ...inherited,
    ...embeddedCliEnv(embedded),
    ...options.extraEnv,
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: `${name}-passphrase`,
    PULUMI_HOME: path.join(scratch, "pulumi-home"),
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_CLI_BIN_DIR: binDir,
  };
  const { secretEnv, plain: shared } = cliConfigOf(embedded);
  const env = { ...baseEnv, ...secretEnv };
  const secrets = Object.values(secretEnv);
  const plain: Record<string, unknown> = { ...options.config };
  for (const [key, value] of Object.entries(shared)) plain[key] ??= value;
  env.FORGE_PREVIEWS_CONFIG = JSON.stringify(plain);
  return {
    scratch,
    project,
    embedded,
    binDir,
    baseEnv,
    env,
    secrets,
    async dispose() {
      await embedded.stop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/forge-previews` as a workflow does, collecting its output. */
export function runBin(args: string[], cwd: string, env: Record<string, string>): Promise<BinRun> {
  return runCollecting(path.join(repoRoot, "bin", "forge-previews"), args, cwd, env);
}

/** Runs `file args` with stdin closed, collecting its output. */
export function runCollecting(file: string, args: string[], cwd: string, env: Record<string, string>): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
