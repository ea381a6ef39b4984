/** `forge-previews status`: what the preview server has left and what each preview uses, as a table or JSON. */
import { parseFlags } from "../args";
import { createOperationsContext } from "../operations";
import { type CliIo, toJson } from "../output";
import { readStatus } from "../status/read";
import { formatStatus } from "../status/render";

export const summary = "the server's load, memory, disks and masters, and what each preview uses";

export const usage = `Usage: forge-previews status [--json]

  --json    print the report as JSON (one object: server, previews, problems)

Per server: load, memory, disk of the sites (/home) and of MySQL's datadir, preview sites on Forge, each master's size
and when it was taken, and the headroom floors (maxMemoryPercent, diskMargin) a new preview must pass.
Per preview: app, PR, age, creation and last update, deployment success rate (Forge's newest 50 deployments), its
database size (information_schema), its Redis database's keys and memory (MEMORY USAGE of up to 64 sampled keys,
scaled to the key count), its queue depth (Laravel's Redis queue lists) and its worker's state on Forge.
What cannot be read is listed under "Not read" and the rest is still reported; the exit code is 1 then.`;

const FLAGS = { json: { type: "boolean" } } as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { json } = parseFlags(argv, FLAGS);
  const ctx = await createOperationsContext({ cwd: io.cwd, env: io.env, onProgress: (line) => io.err(line) });
  const report = await readStatus(ctx);
  io.out(json ? toJson(report) : formatStatus(report, Date.now()));
  return report.problems.length === 0 ? 0 : 1;
}
