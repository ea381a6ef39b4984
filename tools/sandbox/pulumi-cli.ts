/** Finds the Pulumi CLI (on PATH or where scripts/pulumi-cli.sh builds it) and runs it with output streamed. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../../providers/common/user-error";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

function sdkVersion(): string {
  const manifest = JSON.parse(
    readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
  ) as { version: string };
  return manifest.version;
}

/** The directory holding a `pulumi` of the SDK's version, or a UserError saying how to get one. */
export function locatePulumiBinDir(): string {
  const version = sdkVersion();
  const cacheRoot = process.env.FORGE_PREVIEWS_CACHE ?? path.join(os.homedir(), ".cache", "forge-previews");
  const built = path.join(cacheRoot, "pulumi", version, "bin");
  const candidates = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), built];
  for (const dir of candidates) {
    const binary = path.join(dir, "pulumi");
    if (!existsSync(binary) || !existsSync(path.join(dir, "pulumi-language-nodejs"))) continue;
    const reported = spawnSync(binary, ["version"], { encoding: "utf8" }).stdout?.trim();
    if (reported === `v${version}`) return dir;
  }
  throw new UserError(
    `No Pulumi CLI v${version} found on PATH or in ${built}. Build it with \`bash scripts/pulumi-cli.sh\` (or \`bash scripts/setup.sh\`).`,
  );
}

export interface PulumiRunner {
  /** Runs `pulumi <args>`, streaming its output; rejects on a non-zero exit. */
  run(args: string[], options?: { quiet?: boolean }): Promise<string>;
}

export function createPulumiRunner(options: {
  cwd: string;
  binDir: string;
  env: Record<string, string>;
}): PulumiRunner {
  // A developer's own login, token or backend must not leak into the sandbox.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_")));
  const env = { ...inherited, ...options.env, PATH: `${options.binDir}${path.delimiter}${process.env.PATH ?? ""}` };
  return {
    run(args, runOptions = {}) {
      return new Promise((resolve, reject) => {
        // Flags go before a `--`, after which everything is positional.
        const end = args.includes("--") ? args.indexOf("--") : args.length;
        const withFlags = [...args.slice(0, end), "--non-interactive", ...args.slice(end)];
        const child = spawn(path.join(options.binDir, "pulumi"), withFlags, {
          cwd: options.cwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => {
          out.push(chunk);
          if (!runOptions.quiet) process.stdout.write(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
        child.once("error", reject);
        child.once("close", (code) => {
          if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
          // Only the subcommand: the arguments can hold secrets (`config set-all --json`).
          else
            reject(new UserError(`\`pulumi ${args.slice(0, 2).join(" ")}\` exited with ${code}; its output is above.`));
        });
      });
    },
  };
}
