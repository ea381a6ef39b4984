/**
 * `forge-previews sandbox [up|destroy]`: the embedded default on this machine (local MariaDB, Redis, sshd and the
 * Forge simulator) with PR 1's preview on a file backend under .sandbox/. tools/sandbox/main.ts does the work; it runs
 * itself when loaded, so it is started as its own process, with its output passed through.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { parseCommandLine } from "../args";
import { UsageError } from "../cli-config";
import type { CliIo } from "../output";
import { PACKAGE_ROOT } from "../pulumi/project";
import { LineCollector } from "../pulumi/runner";

export const summary = "bring the local sandbox preview up (default) or destroy it";

export const usage = `Usage: forge-previews sandbox [up|destroy]

Starts MariaDB, Redis, sshd and the Forge simulator on 127.0.0.1 and runs \`forge-previews up\` (or \`destroy\`) for
PR 1 of the demo app with state under .sandbox/, then stops the services. Running \`up\` again updates it in place.
\`source .sandbox/cli.env\` points the other commands at the sandbox.`;

const ACTIONS = ["up", "destroy"] as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommandLine(argv, {});
  const action = positionals[0] ?? "up";
  if (positionals.length > 1 || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(
      `Unknown sandbox action ${JSON.stringify(positionals.join(" "))}; use \`sandbox up\` or \`sandbox destroy\`.`,
    );
  }
  const env = Object.fromEntries(
    Object.entries(io.env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "-r",
        require.resolve("ts-node/register/transpile-only"),
        path.join(PACKAGE_ROOT, "tools", "sandbox", "main.ts"),
        action,
      ],
      {
        cwd: PACKAGE_ROOT,
        env: { ...env, TS_NODE_PROJECT: path.join(PACKAGE_ROOT, "tsconfig.json") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const stdout = new LineCollector((line) => io.out(line));
    const stderr = new LineCollector((line) => io.err(line));
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const done = (): void => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
    };
    child.once("error", (error) => {
      done();
      reject(error);
    });
    child.once("close", (code) => {
      done();
      stdout.end();
      stderr.end();
      resolve(code ?? 1);
    });
  });
}
