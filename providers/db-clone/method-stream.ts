/**
 * `stream-dump`: one `mysqldump --single-transaction --quick --routines --triggers --events | mysql`, on the server.
 * The slowest method (single-core bound, about 18-22 MB/s) but the only one that reads a live source consistently
 * without locking it, and the one that needs nothing beyond a dump's privileges.
 */
import type { MethodContext } from "./method-context";
import { ignoreMark } from "./schema-objects";

export async function cloneByStreamDump(ctx: MethodContext): Promise<null> {
  const source = ctx.source.name;
  const dump = ctx.mysql.dumpStep(
    [
      "--single-transaction",
      "--quick",
      "--routines",
      "--triggers",
      ...(ctx.source.events.length > 0 ? ["--events"] : []),
      ignoreMark(source),
      source,
    ],
    ctx.target,
    `Streaming a dump of \`${source}\` into \`${ctx.target}\``,
  );
  await ctx.mysql.runSteps([...ctx.prepare, dump]);
  await ctx.afterCopy();
  return null;
}
