/**
 * `transport`: InnoDB transportable tablespaces. The target gets the source's definitions, drops its own empty
 * tablespaces, receives copies of the source's .ibd/.cfg files taken under FLUSH TABLES ... FOR EXPORT (a read lock
 * on the source for the length of the copy) and imports them. About 1.5 s per GB against 50 s for a dump. Tables
 * whose files cannot travel (FULLTEXT, non-InnoDB, partitioned, ...) go through dump/load; triggers, routines and
 * events are copied last.
 */
import { buildShellCommand } from "../ssh/quote";
import { buildCopyScript, privileged, removeExportMetadata } from "./datadir-files";
import type { MethodContext } from "./method-context";
import { copyProgrammableObjects, copyTableDefinitions, loadTablesInParallel } from "./schema-objects";
import { qualified, quoteIdentifier } from "./sql";

/** ALTER TABLE ... <action> TABLESPACE for each table, with foreign-key checks off (they refuse DISCARD otherwise). */
function tablespaceSql(tables: readonly string[], action: "DISCARD" | "IMPORT"): string {
  return ["SET SESSION foreign_key_checks = 0;", ...tables.map((t) => `ALTER TABLE ${quoteIdentifier(t)} ${action} TABLESPACE;`)].join("\n");
}

const HEREDOC_END = "FORGE_PREVIEWS_COPY_SCRIPT";
const EXPORT_LOCK_WAIT_S = 3600;

/**
 * Writes the copy script into the work directory and runs it through the mysql client's `system` command between
 * FLUSH TABLES ... FOR EXPORT and UNLOCK TABLES, so the files are copied while the export lock holds.
 */
async function exportAndCopy(ctx: MethodContext, tables: readonly string[]): Promise<void> {
  const { mysql, facts, workDir } = ctx;
  const source = ctx.source.name;
  const script = `${workDir}/copy-tablespaces.sh`;
  const marker = `${workDir}/copied`;
  const body = buildCopyScript(`${facts.dataDir}/${source}`, `${facts.dataDir}/${ctx.target}`, tables, marker);
  const runCopy = buildShellCommand(facts.fileAccess === "sudo" ? ["sudo", "-n", "sh", script] : ["sh", script]);
  const sql = [`FLUSH TABLES ${tables.map((t) => qualified(source, t)).join(", ")} FOR EXPORT;`, `system ${runCopy}`, "UNLOCK TABLES;", ""].join("\n");
  const shell = [
    `umask 077 && cat > ${buildShellCommand([script])} <<'${HEREDOC_END}'`,
    body.trimEnd(),
    HEREDOC_END,
    // One export of a source at a time: a second FLUSH ... FOR EXPORT would rewrite the .cfg files and the first
    // UNLOCK TABLES delete them while the other clone copies. The client ignores a failed `system` command; the
    // marker, touched last by the copy script, is the proof that it ran.
    `lock="\${TMPDIR:-/tmp}/forge-previews-export-${source}.lock"`,
    `flock -w ${EXPORT_LOCK_WAIT_S} "$lock" ${buildShellCommand(mysql.mysqlArgv())} && test -f ${buildShellCommand([marker])}`,
  ].join("\n");
  await mysql.runShell(shell, `Copying the tablespace files of \`${source}\` under FLUSH TABLES ... FOR EXPORT`, sql);
}

/** Imports the copied files, then removes their .cfg files whatever the import's outcome (one round trip). */
async function importAndClean(ctx: MethodContext, tables: readonly string[]): Promise<void> {
  const { mysql, facts, target } = ctx;
  const cfgFiles = tables.map((t) => `${facts.dataDir}/${target}/${t}.cfg`);
  const shell = [
    `${buildShellCommand(mysql.mysqlArgv(target))}; rc=$?`,
    `${buildShellCommand(privileged(facts.fileAccess, ["rm", "-f", "--", ...cfgFiles]))}`,
    "exit $rc",
  ].join("\n");
  await mysql.runShell(shell, `Importing the copied tablespaces into \`${target}\``, mysql.withoutBinlog(tablespaceSql(tables, "IMPORT")));
}

export async function cloneByTransport(ctx: MethodContext): Promise<void> {
  const { mysql, facts, plan, target } = ctx;
  const source = ctx.source.name;
  await copyTableDefinitions(mysql, source, target);
  await mysql.execute(tablespaceSql(plan.fileTables, "DISCARD"), { step: `Discarding the new tablespaces in \`${target}\``, database: target });
  try {
    ctx.log(`copying the files of ${plan.fileTables.length} tables under an export lock on \`${source}\``);
    await exportAndCopy(ctx, plan.fileTables);
    await ctx.afterCopy();
  } catch (error) {
    await removeExportMetadata(mysql.runner, facts.fileAccess, facts.dataDir, target, plan.fileTables).catch(() => undefined);
    throw error;
  }
  await importAndClean(ctx, plan.fileTables);
  if (plan.fallbackTables.length > 0) {
    ctx.log(`loading ${plan.fallbackTables.length} tables through dump/load`);
    const names = new Set(plan.fallbackTables.map((t) => t.name));
    await loadTablesInParallel(mysql, source, target, ctx.source.tables.filter((t) => names.has(t.name)), ctx.parallelism);
  }
  await copyProgrammableObjects(mysql, ctx.source, target);
}
