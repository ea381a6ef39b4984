/** Read-only inspection of a clone and removal of what an interrupted clone left on the server. */
import { openSession } from "./clone";
import { removeAllExportMetadata } from "./datadir-files";
import { readInventory } from "./inventory";
import { type CloneMark, readMark } from "./mark";
import { PLAIN_NAME } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { removeLeftoverWorkDirs, withWorkDir } from "./work-dir";

export interface CloneInspection {
  exists: boolean;
  /** The database's clone mark, or null when it has none. */
  mark: CloneMark | null;
}

function assertPlain(target: string): void {
  if (!PLAIN_NAME.test(target)) throw new Error(`database name ${JSON.stringify(target)} must be 1-64 letters, digits or underscores`);
}

/** Whether `target` exists and what its clone mark says; writes nothing but a temporary option file. */
export async function inspectClone(runner: CommandRunner, options: { access: MysqlAccess; target: string }): Promise<CloneInspection> {
  assertPlain(options.target);
  return withWorkDir(runner, options.target, async (workDir) => {
    const { mysql } = await openSession(runner, options, workDir, options.target);
    const inventory = await readInventory(mysql, options.target);
    if (inventory === null) return { exists: false, mark: null };
    return { exists: true, mark: inventory.hasMark ? await readMark(mysql, options.target) : null };
  });
}

/**
 * Removes the work directories of interrupted clones into `target` and any export metadata (.cfg) left in its
 * datadir directory. Touches no table: the data belongs to whoever owns the database.
 */
export async function removeCloneLeftovers(
  runner: CommandRunner,
  options: { access: MysqlAccess; target: string },
): Promise<{ workDirs: number }> {
  assertPlain(options.target);
  const workDirs = await removeLeftoverWorkDirs(runner, options.target);
  await withWorkDir(runner, options.target, async (workDir) => {
    const { facts } = await openSession(runner, options, workDir, options.target);
    if (facts.fileAccess !== "none") await removeAllExportMetadata(runner, facts.fileAccess, facts.dataDir, options.target);
  });
  return { workDirs };
}
