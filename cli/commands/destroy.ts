/** `forge-previews destroy`: remove one PR's preview and its stack; a preview that does not exist is success. */
import { checkArguments, parseFlags } from "../args";
import { createOperationsContext, destroyPreview } from "../operations";
import { type CliIo, formatChanges, toJson } from "../output";
import { validatePreviewRef } from "../pulumi/preview-stack";

export const summary = "destroy the preview of a pull request and remove its stack";

export const usage = `Usage: forge-previews destroy --pr <n> [--app <app>] [--run-program] [--json]

  --pr <n>         the pull request number
  --app <app>      the app of the PR's repository (default: the default app, stack pr-<n>)
  --run-program    run the program first, so the providers use the current configuration (after rotating a credential)
  --json           print the result as JSON

A preview that does not exist counts as destroyed.`;

const FLAGS = {
  pr: { type: "string", required: "the pull request number" },
  app: { type: "string" },
  "run-program": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { pr, app, "run-program": runProgram, json } = parseFlags(argv, FLAGS);
  const ref = checkArguments(() => validatePreviewRef({ app, pr }));
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const result = await destroyPreview(ref, ctx, { runProgram });
  if (json) {
    io.out(toJson(result));
  } else if (result.existed) {
    io.out(`Preview ${result.stack} destroyed (${formatChanges(result.changes)}) and its stack removed.`);
  } else {
    io.out(`Preview ${result.stack} does not exist; nothing to destroy.`);
  }
  return 0;
}
