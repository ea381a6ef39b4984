/** `forge-previews up`: create or update one PR's preview and print its outputs. */
import { checkArguments, parseFlags } from "../args";
import { createOperationsContext, upPreview } from "../operations";
import { type CliIo, formatChanges, formatOutputs, formatTimings, toJson } from "../output";
import { formatDuration } from "../progress";
import { validateUpRequest } from "../pulumi/preview-stack";

export const summary = "create or update the preview of a pull request";

export const usage = `Usage: forge-previews up --pr <n> --branch <branch> --sha <commit> [--app <app>] [--redeploy] [--reset-database] [--json]

  --pr <n>            the pull request number
  --branch <branch>   the PR's head branch (validated as a git branch name)
  --sha <commit>      the PR's head commit, 40 or 64 hex digits; the preview runs exactly this commit
  --app <app>         the app of the PR's repository (default: the default app, stack pr-<n>)
  --redeploy          deploy again even if the commit did not change
  --reset-database    clone the master database again, replacing the PR's data
  --json              print the result as JSON (progress still goes to stderr)

Every up reads the preview's objects first (the engine's \`--refresh\`), so one deleted or changed by hand on Forge is
recreated or corrected. A new preview is refused, before anything is created, once \`maxEnvironments\` previews exist;
an up of an existing preview is an update and always runs. With a pool of servers (\`poolServers\`) a new preview is
placed on the server with the most headroom that has the app's master, and stays there on every later run.`;

const FLAGS = {
  pr: { type: "string", required: "the pull request number" },
  branch: { type: "string", required: "the PR's head branch" },
  sha: { type: "string", required: "the PR's head commit" },
  app: { type: "string" },
  redeploy: { type: "boolean" },
  "reset-database": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { pr, branch, sha, app, redeploy, "reset-database": resetDatabase, json } = parseFlags(argv, FLAGS);
  const request = checkArguments(() => validateUpRequest({ app, pr, branch, sha, redeploy, resetDatabase }));
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const started = Date.now();
  const result = await upPreview(request, ctx);
  if (json) {
    io.out(toJson(result));
    return 0;
  }
  io.out(`Preview ${result.stack} is up: ${formatChanges(result.changes)} in ${formatDuration(Date.now() - started)}.`);
  io.out(formatOutputs(result.stack, result.outputs));
  io.out("");
  io.out(formatTimings(result.timings));
  return 0;
}
