/**
 * `parallel-dump`: definitions first, then each table's rows through its own `mysqldump | mysql` (a few at a time),
 * then triggers, routines and events. Each table is read in its own transaction, so the source must not change
 * meanwhile: fine for a snapshot master, wrong for production (chooseMethod refuses it for a live source).
 */
import type { MethodContext } from "./method-context";
import { copyProgrammableObjectsStep, copyTableDefinitionsStep, loadTablesInParallel } from "./schema-objects";

export async function cloneByParallelDump(ctx: MethodContext): Promise<null> {
  const source = ctx.source.name;
  await ctx.mysql.runSteps([...ctx.prepare, copyTableDefinitionsStep(ctx.mysql, source, ctx.target)]);
  ctx.log(`loading ${ctx.source.tables.length} tables, ${ctx.parallelism} at a time`);
  await loadTablesInParallel(ctx.mysql, source, ctx.target, ctx.source.tables, ctx.parallelism);
  await ctx.afterCopy();
  const objects = copyProgrammableObjectsStep(ctx.mysql, ctx.source, ctx.target);
  if (objects.length > 0) await ctx.mysql.runSteps(objects);
  return null;
}
