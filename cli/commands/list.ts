/** `forge-previews list`: the audit of every preview stack, as a table or JSON. */
import { parseFlags } from "../args";
import { createOperationsContext, listPreviews } from "../operations";
import { type CliIo, formatPreviewTable, toJson } from "../output";

export const summary = "list every preview stack with its app, PR, branch, URL, age and status";

export const usage = `Usage: forge-previews list [--json]

  --json    print a JSON array (one object per preview) instead of a table

Lists the stacks named pr-<n> or <app>-pr-<n>, including those whose last update failed.`;

const FLAGS = { json: { type: "boolean" } } as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { json } = parseFlags(argv, FLAGS);
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const previews = await listPreviews(ctx);
  io.out(json ? toJson(previews) : formatPreviewTable(previews, Date.now()));
  return 0;
}
