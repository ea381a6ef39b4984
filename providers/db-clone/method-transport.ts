/**
 * `transport`: InnoDB transportable tablespaces. The target gets the source's definitions, drops its own empty
 * tablespaces, receives copies of the source's .ibd/.cfg files taken under FLUSH TABLES ... FOR EXPORT (a read lock
 * on the source for the length of the copy) and imports them. About 1.5 s per GB against 50 s for a dump. Tables
 * whose files cannot travel (FULLTEXT, non-InnoDB, partitioned, ...) go through dump/load; triggers, routines and
 * events are copied last.
 */
import { buildShellCommand } from "../ssh/quote";
import { buildCopyScript, removeExportMetadata } from "./datadir-files";
import type { MethodContext } from "./method-context";
import { copyProgrammableObjects, copyTableDefinitions, loadTablesInParallel } from "./schema-objects";
import { qualified, quoteIdentifier } from "./sql";
import { writePrivateFile } from "./work-dir";

/** ALTER TABLE ... <action> TABLESPACE for each table, with foreign-key checks off (they refuse DISCARD otherwise). */
function tablespaceSql(tables: readonly string[], action: "DISCARD" | "IMPORT"): string {
  return ["SET SESSION foreign_key_checks = 0;", ...tables.map((t) => `ALTER TABLE ${quoteIdentifier(t)} ${action} TABLESPACE;`)].join("\n");
}

async function exportAndCopy(ctx: MethodContext, tables: readonly string[]): Promise<void> {
  const { mysql, facts, workDir } = ctx;
  const source = ctx.source.name;
  const marker = `${workDir}/copied`;
  const script = await writePrivateFile(
    mysql.runner,
    workDir,
    "copy-tablespaces.sh",
    buildCopyScript(`${facts.dataDir}/${source}`, `${facts.dataDir}/${ctx.target}`, tables, marker),
  );
  // `system` runs the copy inside the client's session, so the export lock is held until UNLOCK TABLES.
  const runCopy = buildShellCommand(facts.fileAccess === "sudo" ? ["sudo", "-n", "sh", script] : ["sh", script]);
  const sql = [`FLUSH TABLES ${tables.map((t) => qualified(source, t)).join(", ")} FOR EXPORT;`, `system ${runCopy}`, "UNLOCK TABLES;", ""].join("\n");
  const step = `Copying the tablespace files of \`${source}\` under FLUSH TABLES ... FOR EXPORT`;
  await mysql.runShell(`${buildShellCommand(mysql.mysqlArgv())} && test -f ${buildShellCommand([marker])}`, step, sql);
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
    await mysql.execute(tablespaceSql(plan.fileTables, "IMPORT"), { step: `Importing the copied tablespaces into \`${target}\``, database: target });
  } finally {
    await removeExportMetadata(mysql.runner, facts.fileAccess, facts.dataDir, target, plan.fileTables);
  }
  if (plan.fallbackTables.length > 0) {
    ctx.log(`loading ${plan.fallbackTables.length} tables through dump/load`);
    const names = new Set(plan.fallbackTables.map((t) => t.name));
    await loadTablesInParallel(mysql, source, target, ctx.source.tables.filter((t) => names.has(t.name)), ctx.parallelism);
  }
  await copyProgrammableObjects(mysql, ctx.source, target);
}
