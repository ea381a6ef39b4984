/** `forge-previews refresh`: compare one PR's preview with what exists on Forge and record what it finds. */
import { checkArguments, parseFlags } from "../args";
import { createOperationsContext, refreshPreview } from "../operations";
import { type CliIo, formatChanges, toJson } from "../output";
import { validatePreviewRef } from "../pulumi/preview-stack";

export const summary = "record in a preview's state what exists on Forge now (changes nothing on Forge)";

export const usage = `Usage: forge-previews refresh --pr <n> [--app <app>] [--json]

  --pr <n>         the pull request number
  --app <app>      the app of the PR's repository (default: the default app, stack pr-<n>)
  --json           print the result as JSON

Reads every object of the preview (Forge site, certificate, basic auth, .env, deployment, worker, database, Redis
database) and records what it finds: an object deleted by hand drops out of the state, a changed one keeps its
current values. The next \`up\` recreates or corrects them; \`up\` refreshes by itself first, so this is for looking.`;

const FLAGS = {
  pr: { type: "string", required: "the pull request number" },
  app: { type: "string" },
  json: { type: "boolean" },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { pr, app, json } = parseFlags(argv, FLAGS);
  const ref = checkArguments(() => validatePreviewRef({ app, pr }));
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const result = await refreshPreview(ref, ctx);
  if (json) {
    io.out(toJson(result));
    return 0;
  }
  const drifted = Object.entries(result.changes).some(([op, n]) => op !== "same" && n > 0);
  io.out(
    `Preview ${result.stack} refreshed (${formatChanges(result.changes)}).` +
      (drifted ? " Run `forge-previews up` for this PR to recreate or correct what changed." : ""),
  );
  return 0;
}
