/** Read-only inspection of a clone and removal of what an interrupted clone left on the server. */
import { removeAllExportMetadata } from "./datadir-files";
import { type CloneMark, readMark } from "./mark";
import { PLAIN_NAME } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { withCloneSession } from "./session";
import { removeLeftoverWorkDirs } from "./work-dir";

export interface CloneInspection {
  exists: boolean;
  /** The database's clone mark, or null when it has none. */
  mark: CloneMark | null;
}

function assertPlain(target: string): void {
  if (!PLAIN_NAME.test(target))
    throw new Error(`database name ${JSON.stringify(target)} must be 1-64 letters, digits or underscores`);
}

/** Whether `target` exists and what its clone mark says; writes nothing but a temporary option file. */
export async function inspectClone(
  runner: CommandRunner,
  options: { access: MysqlAccess; target: string },
): Promise<CloneInspection> {
  assertPlain(options.target);
  const request = {
    access: options.access,
    workDirFor: options.target,
    grantsFor: options.target,
    schemas: [options.target],
  };
  return withCloneSession(runner, request, async ({ mysql, inventories }) => {
    const inventory = inventories.get(options.target) ?? null;
    if (inventory === null) return { exists: false, mark: null };
    return { exists: true, mark: inventory.hasMark ? await readMark(mysql, inventory) : null };
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
  const request = { access: options.access, workDirFor: options.target, grantsFor: options.target, schemas: [] };
  await withCloneSession(runner, request, async ({ facts }) => {
    if (facts.fileAccess !== "none") await removeAllExportMetadata(runner, facts, facts.dataDir, options.target);
  });
  return { workDirs };
}
