/**
 * `transport`: InnoDB transportable tablespaces. The target gets the source's definitions, drops its own empty
 * tablespaces, receives copies of the source's .ibd/.cfg files taken under FLUSH TABLES ... FOR EXPORT (a read lock
 * on the source for the length of the copy) and imports them. About 1.5 s per GB against 50 s for a dump. Tables
 * whose files cannot travel (FULLTEXT, non-InnoDB, partitioned, ...) go through dump/load; triggers, routines and
 * events are copied last.
 *
 * Round trips: one for everything up to the copy (with the caller's preparation), one for the import and the
 * programmable objects (two when some tables go through dump/load).
 *
 * Verification needs both sides measured. A sealed master whose files are unchanged since its seal (see seal.ts) is
 * not measured again: the clone is counted table by table as each import finishes, on the core the source's counts
 * would have taken. Otherwise the source is measured beside the import and the clone after it.
 */
import { buildShellCommand } from "../ssh";
import {
  balanceTables,
  buildCopyScript,
  parseFileIdentities,
  removeExportMetadata,
  removeExportMetadataArgv,
  underExportLock,
} from "./datadir-files";
import type { MethodContext, MethodMeasures } from "./method-context";
import type { RemoteStep } from "./remote-steps";
import { RemoteCommandError } from "./errors";
import { privileged } from "./server-facts";
import {
  copyProgrammableObjectsStep,
  copyTableDefinitionsStep,
  emptySchemaSql,
  loadTablesInParallel,
} from "./schema-objects";
import { checkSeal, describeUnvouched } from "./seal";
import { qualified, quoteIdentifier } from "./sql";
import { type SchemaMeasure, measureSql, readMeasures, sourceMeasureSteps } from "./verify";

/** ALTER TABLE ... DISCARD TABLESPACE for each table, with foreign-key checks off (they refuse DISCARD otherwise). */
function discardSql(tables: readonly string[]): string {
  return [
    "SET SESSION foreign_key_checks = 0;",
    ...tables.map((t) => `ALTER TABLE ${quoteIdentifier(t)} DISCARD TABLESPACE;`),
  ].join("\n");
}

/**
 * Writes the copy script into the work directory and runs it through the mysql client's `system` command between
 * FLUSH TABLES ... FOR EXPORT and UNLOCK TABLES, so the files are copied while the export lock holds. The copy step's
 * output is the identities of the source's files under that lock.
 */
function exportAndCopySteps(ctx: MethodContext, tables: readonly string[]): RemoteStep[] {
  const { mysql, facts, workDir } = ctx;
  const source = ctx.source.name;
  const script = `${workDir}/copy-tablespaces.sh`;
  const marker = `${workDir}/copied`;
  const wanted = new Set(tables);
  const groups = balanceTables(
    ctx.source.tables.filter((t) => wanted.has(t.name)),
    ctx.parallelism,
    (t) => t.bytes,
  );
  const body = buildCopyScript(`${facts.dataDir}/${source}`, `${facts.dataDir}/${ctx.target}`, groups, marker);
  const runCopy = buildShellCommand(privileged(facts, ["sh", script]));
  const sql = [
    `FLUSH TABLES ${tables.map((t) => qualified(source, t)).join(", ")} FOR EXPORT;`,
    `system ${runCopy}`,
    "UNLOCK TABLES;",
    "",
  ].join("\n");
  return [
    {
      step: `Writing the copy script into ${workDir}`,
      command: `umask 077 && cat > ${buildShellCommand([script])}`,
      stdin: body,
    },
    {
      step: `Copying the tablespace files of \`${source}\` under FLUSH TABLES ... FOR EXPORT`,
      // One export of a source at a time (see underExportLock). The client ignores a failed `system` command; the
      // marker, touched last by the copy script, is the proof that it ran.
      command: `${underExportLock(source, buildShellCommand(mysql.mysqlArgv()))} && test -f ${buildShellCommand([marker])}`,
      stdin: sql,
      output: true,
    },
  ];
}

/**
 * Imports the copied files and removes their .cfg files whatever the import's outcome; then, when `objects` is given,
 * copies the triggers, routines and events (one step, so the source can be measured alongside all of it). With
 * `progressDir`, each import is followed by a file `imported.<i>` there and the end of the session by `import.end`.
 */
function importStep(
  ctx: MethodContext,
  tables: readonly string[],
  objects: RemoteStep | undefined,
  progressDir?: string,
): RemoteStep {
  const { mysql, facts, target } = ctx;
  const then = objects === undefined ? "" : ` && ${objects.command}`;
  const q = (path: string): string => buildShellCommand([path]);
  const sql = ["SET SESSION foreign_key_checks = 0;"];
  tables.forEach((t, i) => {
    sql.push(`ALTER TABLE ${quoteIdentifier(t)} IMPORT TABLESPACE;`);
    if (progressDir !== undefined) sql.push(`system touch ${q(`${progressDir}/imported.${i}`)}`);
  });
  const ended = progressDir === undefined ? "" : ` : > ${q(`${progressDir}/import.end`)};`;
  return {
    step: `Importing the copied tablespaces into \`${target}\`${objects === undefined ? "" : " and copying its triggers, routines and events"}`,
    command:
      `${buildShellCommand(mysql.mysqlArgv(target))}; rc=$?;${ended} ${buildShellCommand(removeExportMetadataArgv(facts, facts.dataDir, target, tables))}; ` +
      `[ "$rc" = 0 ]${then}`,
    stdin: mysql.withoutBinlog(sql.join("\n")),
  };
}

/** Sessions counting the clone while it imports: each waits for a table's import, claims it, and measures it. */
const PIPELINE_COUNTERS = 2;

/**
 * Steps measuring each table of the clone as soon as {@link importStep} (with `progressDir`) has imported it, in
 * {@link PIPELINE_COUNTERS} sessions that claim tables in import order; they stop when the import session ends.
 */
function countWhileImportingSteps(ctx: MethodContext, tables: readonly string[], progressDir: string): RemoteStep[] {
  const { mysql, target } = ctx;
  const dir = buildShellCommand([progressDir]);
  // Waits for table $1's import (or the end of the import session) and claims it; false when it is not ours to count.
  // The pause is a timed read of a FIFO nobody writes: `sleep` would fork a process a hundred times a second.
  const ready =
    `ready() { until [ -e ${dir}/imported.$1 ] || [ -e ${dir}/import.end ]; do read -r -t 0.01 -u 9 || :; done; ` +
    `[ -e ${dir}/imported.$1 ] && mkdir ${dir}/claim.$1 2>/dev/null; }`;
  const feed = tables.map(
    (t, i) =>
      `ready ${i} && printf '%s\\n' ${buildShellCommand([measureSql(target, [t], true, ctx.verify === "checksum")])}`,
  );
  return Array.from({ length: Math.min(PIPELINE_COUNTERS, tables.length) }, (_, i) => {
    const idle = buildShellCommand([`${progressDir}/idle.${i}`]);
    return {
      step: `Measuring the rows of \`${target}\` as they are imported (part ${i + 1})`,
      command: `{ mkfifo ${idle} && exec 9<>${idle}; } || exit 1; ${ready}; { ${feed.join("; ")}; true; } | ${buildShellCommand(mysql.mysqlArgv(target))}`,
      output: true,
    };
  });
}

/**
 * Drops what a failed import left in the target (this run's tables, some still discarded), referencing tables first:
 * otherwise MariaDB 10.11 can refuse to drop them, DROP DATABASE included, until it restarts (see
 * {@link referencingTablesFirst}). Only the mark stays, saying the clone failed.
 */
async function emptyFailedImport(ctx: MethodContext): Promise<void> {
  const { source, target } = ctx;
  const foreignKeys = source.foreignKeys.map((fk) =>
    fk.referencedSchema === source.name ? { ...fk, referencedSchema: target } : fk,
  );
  const leftovers = { ...source, name: target, foreignKeys, routines: [], events: [] };
  await ctx.mysql
    .execute(emptySchemaSql(leftovers), {
      step: `Dropping the tables of the failed import in \`${target}\``,
      database: target,
    })
    .catch((error: unknown) =>
      ctx.log(`could not drop the tables of the failed import in \`${target}\`: ${(error as Error).message}`),
    );
}

/**
 * Runs the import step beside `others` (measuring sessions) in one round trip and returns the others' outputs; a
 * failed import leaves no tables behind (see {@link emptyFailedImport}).
 */
async function importBeside(
  ctx: MethodContext,
  imports: RemoteStep,
  others: readonly RemoteStep[],
): Promise<(string | undefined)[]> {
  try {
    const [, ...outputs] = await ctx.mysql.runSteps([[imports, ...others]]);
    return outputs;
  } catch (error) {
    if (error instanceof RemoteCommandError && error.step === imports.step) await emptyFailedImport(ctx);
    throw error;
  }
}

/** Import order when the clone is counted as it imports: most rows first, so the longest counts start first. */
function importOrder(ctx: MethodContext, tables: readonly string[]): string[] {
  const rows = new Map(ctx.source.tables.map((t) => [t.name, t.estimatedRows]));
  return [...tables].sort((a, b) => (rows.get(b) ?? 0) - (rows.get(a) ?? 0));
}

/**
 * The source's measure from its seal when every table's file is unchanged since (identities as the copy read them
 * under the export lock); null when the source must be measured (or needs no measure, for `objects`).
 */
function sourceFromSeal(ctx: MethodContext, copyOutput: string): SchemaMeasure | null {
  if (ctx.seal === null || ctx.verify === "objects") return null;
  const check = checkSeal(
    ctx.seal,
    parseFileIdentities(copyOutput),
    ctx.source.tables.map((t) => t.name),
    ctx.verify,
  );
  if (check.measure === null) {
    ctx.log(
      `measuring \`${ctx.source.name}\` itself: its seal of ${ctx.seal.sealedAt} does not cover ${describeUnvouched(check.unvouched)}`,
    );
  } else {
    ctx.log(
      `every table file of \`${ctx.source.name}\` is unchanged since its seal of ${ctx.seal.sealedAt}: comparing the clone with the seal`,
    );
  }
  return check.measure;
}

/**
 * Clones by transport. The source is measured for verification while the target imports (a cold source is read from
 * disk while IMPORT mostly writes), or taken from its seal while the clone is counted as it imports; the measures are
 * returned for verification.
 */
export async function cloneByTransport(ctx: MethodContext): Promise<MethodMeasures> {
  const { mysql, facts, plan, target } = ctx;
  const source = ctx.source.name;
  ctx.log(`copying the files of ${plan.fileTables.length} tables under an export lock on \`${source}\``);
  let copyOutput: string;
  try {
    const outputs = await mysql.runSteps([
      ...ctx.prepare,
      copyTableDefinitionsStep(mysql, source, target),
      mysql.sqlStep(discardSql(plan.fileTables), {
        step: `Discarding the new tablespaces in \`${target}\``,
        database: target,
        write: true,
      }),
      ...exportAndCopySteps(ctx, plan.fileTables),
    ]);
    copyOutput = outputs[outputs.length - 1] ?? "";
    await ctx.afterCopy();
  } catch (error) {
    await removeExportMetadata(mysql.runner, facts, facts.dataDir, target, plan.fileTables).catch(() => undefined);
    throw error;
  }
  const [objects] = copyProgrammableObjectsStep(mysql, ctx.source, target);
  const allAtOnce = plan.fallbackTables.length === 0;
  // A seal vouches only for files read under the export lock: with tables loaded by dump, the source is measured.
  const sealed = allAtOnce ? sourceFromSeal(ctx, copyOutput) : null;
  if (allAtOnce && (sealed !== null || ctx.verify === "objects")) {
    const order = importOrder(ctx, plan.fileTables);
    ctx.log(`importing ${order.length} tablespaces into \`${target}\` and counting each as it arrives`);
    const outputs = await importBeside(
      ctx,
      importStep(ctx, order, objects, ctx.workDir),
      countWhileImportingSteps(ctx, order, ctx.workDir),
    );
    const sealedAt = sealed === null ? null : (ctx.seal?.sealedAt ?? null);
    const sourceLabel = sealedAt === null ? undefined : `the seal of \`${source}\` (${sealedAt})`;
    return { source: sealed, clone: readMeasures(outputs, target), sealedAt, sourceLabel };
  }

  const measure = sourceMeasureSteps(mysql, ctx.source, ctx.verify);
  ctx.log(
    `importing ${plan.fileTables.length} tablespaces into \`${target}\`${measure.length > 0 ? ` while measuring \`${source}\`` : ""}`,
  );
  const measured = await importBeside(ctx, importStep(ctx, plan.fileTables, allAtOnce ? objects : undefined), measure);
  if (!allAtOnce) {
    ctx.log(`loading ${plan.fallbackTables.length} tables through dump/load`);
    const names = new Set(plan.fallbackTables.map((t) => t.name));
    await loadTablesInParallel(
      mysql,
      source,
      target,
      ctx.source.tables.filter((t) => names.has(t.name)),
      ctx.parallelism,
    );
    if (objects !== undefined) await mysql.runSteps([objects]);
  }
  return { source: measure.length > 0 ? readMeasures(measured, source) : null, clone: null, sealedAt: null };
}
