/** `forge-previews up`: create or update one PR's preview and print its outputs. */
import { UsageError, parseOptions, requireOption } from "../cli-config";
import { createOperationsContext, upPreview } from "../operations";
import { type CliIo, formatChanges, formatOutputs, formatTimings, toJson } from "../output";
import { formatDuration } from "../progress";
import { validateUpRequest } from "../pulumi/preview-stack";
import { UserError } from "../../providers/common/user-error";

export const summary = "create or update the preview of a pull request";

export const usage = `Usage: forge-previews up --pr <n> --branch <branch> --sha <commit> [--app <app>] [--redeploy] [--reset-database] [--json]

  --pr <n>            the pull request number
  --branch <branch>   the PR's head branch (validated as a git branch name)
  --sha <commit>      the PR's head commit, 40 or 64 hex digits; the preview runs exactly this commit
  --app <app>         the app of the PR's repository (default: the default app, stack pr-<n>)
  --redeploy          deploy again even if the commit did not change
  --reset-database    clone the master database again, replacing the PR's data
  --json              print the result as JSON (progress still goes to stderr)`;

const OPTIONS = {
  pr: { type: "string" },
  branch: { type: "string" },
  sha: { type: "string" },
  app: { type: "string" },
  redeploy: { type: "boolean" },
  "reset-database": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}.`);
  const pr = requireOption(values.pr, "--pr", "the pull request number");
  const branch = requireOption(values.branch, "--branch", "the PR's head branch");
  const sha = requireOption(values.sha, "--sha", "the PR's head commit");
  let request;
  try {
    request = validateUpRequest({ app: values.app, pr, branch, sha, redeploy: values.redeploy, resetDatabase: values["reset-database"] });
  } catch (error) {
    throw error instanceof UserError ? new UsageError(error.message) : error;
  }
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const started = Date.now();
  const result = await upPreview(request, ctx);
  if (values.json) {
    io.out(toJson(result));
    return 0;
  }
  io.out(`Preview ${result.stack} is up: ${formatChanges(result.changes)} in ${formatDuration(Date.now() - started)}.`);
  io.out(formatOutputs(result.stack, result.outputs));
  io.out("");
  io.out(formatTimings(result.timings));
  return 0;
}
