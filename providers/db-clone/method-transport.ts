/**
 * `transport`: InnoDB transportable tablespaces. The target gets the source's definitions, drops its own empty
 * tablespaces, receives copies of the source's .ibd/.cfg files taken under FLUSH TABLES ... FOR EXPORT (a read lock
 * on the source for the length of the copy) and imports them. About 1.5 s per GB against 50 s for a dump. Tables
 * whose files cannot travel (FULLTEXT, non-InnoDB, partitioned, ...) go through dump/load; triggers, routines and
 * events are copied last.
 *
 * Round trips: one for everything up to the copy (with the caller's preparation), one for the import and the
 * programmable objects (two when some tables go through dump/load).
 */
import { buildShellCommand } from "../ssh/quote";
import { balanceTables, buildCopyScript, removeExportMetadata, removeExportMetadataArgv } from "./datadir-files";
import type { MethodContext } from "./method-context";
import type { RemoteStep } from "./remote-steps";
import { RemoteCommandError } from "./errors";
import { copyProgrammableObjectsStep, copyTableDefinitionsStep, emptySchemaSql, loadTablesInParallel } from "./schema-objects";
import { qualified, quoteIdentifier } from "./sql";
import { type SchemaMeasure, readSourceMeasure, sourceMeasureSteps } from "./verify";

/** ALTER TABLE ... <action> TABLESPACE for each table, with foreign-key checks off (they refuse DISCARD otherwise). */
function tablespaceSql(tables: readonly string[], action: "DISCARD" | "IMPORT"): string {
  return ["SET SESSION foreign_key_checks = 0;", ...tables.map((t) => `ALTER TABLE ${quoteIdentifier(t)} ${action} TABLESPACE;`)].join("\n");
}

const EXPORT_LOCK_WAIT_S = 3600;

/**
 * Writes the copy script into the work directory and runs it through the mysql client's `system` command between
 * FLUSH TABLES ... FOR EXPORT and UNLOCK TABLES, so the files are copied while the export lock holds.
 */
function exportAndCopySteps(ctx: MethodContext, tables: readonly string[]): RemoteStep[] {
  const { mysql, facts, workDir } = ctx;
  const source = ctx.source.name;
  const script = `${workDir}/copy-tablespaces.sh`;
  const marker = `${workDir}/copied`;
  const wanted = new Set(tables);
  const groups = balanceTables(ctx.source.tables.filter((t) => wanted.has(t.name)), ctx.parallelism, (t) => t.bytes);
  const body = buildCopyScript(`${facts.dataDir}/${source}`, `${facts.dataDir}/${ctx.target}`, groups, marker);
  const runCopy = buildShellCommand(facts.fileAccess === "sudo" ? ["sudo", "-n", "sh", script] : ["sh", script]);
  const sql = [`FLUSH TABLES ${tables.map((t) => qualified(source, t)).join(", ")} FOR EXPORT;`, `system ${runCopy}`, "UNLOCK TABLES;", ""].join("\n");
  return [
    { step: `Writing the copy script into ${workDir}`, command: `umask 077 && cat > ${buildShellCommand([script])}`, stdin: body },
    {
      step: `Copying the tablespace files of \`${source}\` under FLUSH TABLES ... FOR EXPORT`,
      // One export of a source at a time: a second FLUSH ... FOR EXPORT would rewrite the .cfg files and the first
      // UNLOCK TABLES delete them while the other clone copies. The client ignores a failed `system` command; the
      // marker, touched last by the copy script, is the proof that it ran.
      command:
        `lock="\${TMPDIR:-/tmp}/forge-previews-export-${source}.lock"; ` +
        `flock -w ${EXPORT_LOCK_WAIT_S} "$lock" ${buildShellCommand(mysql.mysqlArgv())} && test -f ${buildShellCommand([marker])}`,
      stdin: sql,
    },
  ];
}

/**
 * Imports the copied files and removes their .cfg files whatever the import's outcome; then, when `objects` is given,
 * copies the triggers, routines and events (one step, so the source can be measured alongside all of it).
 */
function importStep(ctx: MethodContext, tables: readonly string[], objects: RemoteStep | undefined): RemoteStep {
  const { mysql, facts, target } = ctx;
  const then = objects === undefined ? "" : ` && ${objects.command}`;
  return {
    step: `Importing the copied tablespaces into \`${target}\`${objects === undefined ? "" : " and copying its triggers, routines and events"}`,
    command:
      `${buildShellCommand(mysql.mysqlArgv(target))}; rc=$?; ${buildShellCommand(removeExportMetadataArgv(facts.fileAccess, facts.dataDir, target, tables))}; ` +
      `[ "$rc" = 0 ]${then}`,
    stdin: mysql.withoutBinlog(tablespaceSql(tables, "IMPORT")),
  };
}

/**
 * Drops what a failed import left in the target (this run's tables, some still discarded), referencing tables first:
 * otherwise MariaDB 10.11 can refuse to drop them, DROP DATABASE included, until it restarts (see
 * {@link referencingTablesFirst}). Only the mark stays, saying the clone failed.
 */
async function emptyFailedImport(ctx: MethodContext): Promise<void> {
  const { source, target } = ctx;
  const foreignKeys = source.foreignKeys.map((fk) => (fk.referencedSchema === source.name ? { ...fk, referencedSchema: target } : fk));
  const leftovers = { ...source, name: target, foreignKeys, routines: [], events: [] };
  await ctx.mysql
    .execute(emptySchemaSql(leftovers), { step: `Dropping the tables of the failed import in \`${target}\``, database: target })
    .catch((error: unknown) => ctx.log(`could not drop the tables of the failed import in \`${target}\`: ${(error as Error).message}`));
}

/**
 * Clones by transport. The source is measured for verification while the target imports (a cold source is read from
 * disk while IMPORT mostly writes), so verification then only reads the clone; the measure is returned for it.
 */
export async function cloneByTransport(ctx: MethodContext): Promise<SchemaMeasure | null> {
  const { mysql, facts, plan, target } = ctx;
  const source = ctx.source.name;
  ctx.log(`copying the files of ${plan.fileTables.length} tables under an export lock on \`${source}\``);
  try {
    await mysql.runSteps([
      ...ctx.prepare,
      copyTableDefinitionsStep(mysql, source, target),
      mysql.sqlStep(tablespaceSql(plan.fileTables, "DISCARD"), { step: `Discarding the new tablespaces in \`${target}\``, database: target, write: true }),
      ...exportAndCopySteps(ctx, plan.fileTables),
    ]);
    await ctx.afterCopy();
  } catch (error) {
    await removeExportMetadata(mysql.runner, facts.fileAccess, facts.dataDir, target, plan.fileTables).catch(() => undefined);
    throw error;
  }
  const [objects] = copyProgrammableObjectsStep(mysql, ctx.source, target);
  const allAtOnce = plan.fallbackTables.length === 0;
  const measure = sourceMeasureSteps(mysql, ctx.source, ctx.verify);
  ctx.log(`importing ${plan.fileTables.length} tablespaces into \`${target}\`${measure.length > 0 ? ` while measuring \`${source}\`` : ""}`);
  const imports = importStep(ctx, plan.fileTables, allAtOnce ? objects : undefined);
  let measured: (string | undefined)[];
  try {
    [, ...measured] = await mysql.runSteps([[imports, ...measure]]);
  } catch (error) {
    if (error instanceof RemoteCommandError && error.step === imports.step) await emptyFailedImport(ctx);
    throw error;
  }
  if (!allAtOnce) {
    ctx.log(`loading ${plan.fallbackTables.length} tables through dump/load`);
    const names = new Set(plan.fallbackTables.map((t) => t.name));
    await loadTablesInParallel(mysql, source, target, ctx.source.tables.filter((t) => names.has(t.name)), ctx.parallelism);
    if (objects !== undefined) await mysql.runSteps([objects]);
  }
  return measure.length > 0 ? readSourceMeasure(measured, ctx.source) : null;
}
