/**
 * `parallel-dump`: definitions first, then the rows, then triggers, routines and events. The rows travel through
 * mydumper/myloader where the server has them (several threads per side, big tables split into chunks, multi-row
 * inserts in large transactions), else through one `mysqldump | mysql` per table (a few at a time). Each table is
 * read in its own transaction, so the source must not change meanwhile: fine for a snapshot master, wrong for
 * production (chooseMethod refuses it for a live source).
 */
import { buildShellCommand } from "../ssh";
import type { MethodContext } from "./method-context";
import { OPTION_FILE } from "./remote-mysql";
import { copyProgrammableObjectsStep, copyTableDefinitionsStep, loadTablesInParallel } from "./schema-objects";
import { PLAIN_NAME } from "./sql";

/** Rows per chunk: one table's rows split across threads on both sides. */
const MYDUMPER_CHUNK_ROWS = 100_000;

/** Why mydumper cannot carry this source's rows, or null when it can. */
export function mydumperBlocker(ctx: Pick<MethodContext, "facts" | "source">): string | null {
  if (ctx.facts.mydumper === null) return "mydumper/myloader are not installed on the server";
  const odd = ctx.source.tables.find((t) => t.type !== "BASE TABLE" || !PLAIN_NAME.test(t.name));
  if (odd !== undefined) return `\`${odd.name}\` is a ${odd.type.toLowerCase()} table or has an unusual name`;
  return null;
}

/**
 * mydumper writes the rows (no definitions, no lock: the source is a master at rest) into the work directory, and
 * myloader loads them into the target with foreign-key checks and (when allowed) the binary log off; the files are
 * removed as soon as they are loaded. Credentials come from the option file.
 */
function mydumperCommand(ctx: MethodContext, tools: { dump: string; load: string }): string {
  const { mysql, source, target, workDir } = ctx;
  const dir = `${workDir}/mydumper`;
  const options = `--defaults-file=${mysql.workDir}/${OPTION_FILE}`;
  const threads = String(Math.max(2, ctx.parallelism));
  // With --database, the list holds bare table names.
  const tables = source.tables.map((t) => t.name).join(",");
  const dump = [tools.dump, options, "--database", source.name, "--tables-list", tables, "--outputdir", dir];
  dump.push(
    "--no-schemas",
    "--no-locks",
    "--rows",
    String(MYDUMPER_CHUNK_ROWS),
    "--threads",
    threads,
    "--verbose",
    "1",
  );
  const load = [tools.load, options, "--directory", dir, "--source-db", source.name, "--database", target];
  load.push("--threads", threads, "--verbose", "1");
  return [dump, load, ["rm", "-rf", "--", dir]].map((argv) => buildShellCommand(argv)).join(" && ");
}

export async function cloneByParallelDump(ctx: MethodContext): Promise<null> {
  const { mysql, source, target } = ctx;
  await mysql.runSteps([...ctx.prepare, copyTableDefinitionsStep(mysql, source.name, target)]);
  const blocker = mydumperBlocker(ctx);
  if (ctx.facts.mydumper !== null && blocker === null && source.tables.length > 0) {
    ctx.log(`loading ${source.tables.length} tables with mydumper/myloader`);
    await mysql.runSteps([
      {
        step: `Copying the rows of \`${source.name}\` with mydumper/myloader`,
        command: mydumperCommand(ctx, ctx.facts.mydumper),
      },
    ]);
  } else {
    ctx.log(`loading ${source.tables.length} tables, ${ctx.parallelism} at a time (${blocker ?? "no tables"})`);
    await loadTablesInParallel(mysql, source.name, target, source.tables, ctx.parallelism);
  }
  await ctx.afterCopy();
  const objects = copyProgrammableObjectsStep(mysql, source, target);
  if (objects.length > 0) await mysql.runSteps(objects);
  return null;
}
