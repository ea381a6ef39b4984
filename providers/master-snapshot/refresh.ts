/**
 * One refresh of a master: production is cloned into the owned staging database (one `--single-transaction` read,
 * verified by row counts), masked there, then moved into place with the clone engine's atomic promotion, and sealed
 * (its counts and checksums recorded with its files' identities, so previews need not count it again). The master
 * is never half-written: until the promotion it holds the previous snapshot untouched, and a failure before then
 * drops the staging copy again.
 */
import {
  cloneDatabase,
  promoteClone,
  sealDatabase,
  readMark,
  withCloneSession,
  quoteIdentifier,
  type CommandRunner,
  type MysqlAccess,
} from "../db-clone";
import { type MasterSnapshotInputs, SNAPSHOT_OWNER, stagingDatabaseFor } from "./rules";

export interface RefreshResult {
  /** When production was read, ISO 8601. */
  snapshotAt: string;
  /** Data and index bytes of production's tables. */
  bytes: number;
  tables: number;
  /** Rows in the master after masking. */
  rows: number;
  seconds: number;
  /** The copy method that ran. */
  method: string;
  /** Whether the master carries a seal that previews compare their clones with (see db-clone/seal.ts). */
  sealed: boolean;
}

/**
 * Drops `staging` when it exists and carries this stack's mark (an interrupted or failed refresh left it); refuses
 * when it holds anything else, since it is then not ours to drop.
 */
export async function dropOwnedStaging(runner: CommandRunner, access: MysqlAccess, staging: string): Promise<boolean> {
  const request = { access, workDirFor: staging, grantsFor: staging, schemas: [staging] };
  return withCloneSession(runner, request, async ({ mysql, inventories }) => {
    const inventory = inventories.get(staging) ?? null;
    if (inventory === null) return false;
    const mark = inventory.hasMark ? await readMark(mysql, inventory) : null;
    if (mark?.owner !== SNAPSHOT_OWNER) {
      throw new Error(
        `Refusing to drop \`${staging}\`: it exists without the snapshots stack's clone mark, so it is not a staging copy this stack made; ` +
          "rename or drop it by hand, then run the refresh again.",
      );
    }
    await mysql.execute(`DROP DATABASE ${quoteIdentifier(staging)};`, {
      step: `Dropping the staging copy \`${staging}\``,
    });
    return true;
  });
}

export async function refreshMaster(
  runner: CommandRunner,
  inputs: MasterSnapshotInputs,
  access: MysqlAccess,
  log: (message: string) => void,
): Promise<RefreshResult> {
  const master = inputs.masterDatabase;
  const staging = stagingDatabaseFor(master);
  // Never a target besides the two names this refresh owns: production and other apps' masters are refused by name.
  const protectedDatabases = [...new Set([inputs.productionDatabase, ...inputs.protectedDatabases])];
  if (await dropOwnedStaging(runner, access, staging))
    log(`removed the staging copy \`${staging}\` an earlier refresh left`);
  const startedAt = Date.now();
  let cloned;
  try {
    cloned = await cloneDatabase(runner, {
      source: inputs.productionDatabase,
      target: staging,
      owner: SNAPSHOT_OWNER,
      resetToken: inputs.refreshToken,
      liveSource: true,
      createTarget: true,
      verify: "counts",
      postCloneSql: inputs.maskingSql,
      protectedDatabases,
      isAllowedTarget: (name) => name === staging,
      targetRule: `the staging copy \`${staging}\` of the master`,
      access,
      log,
    });
  } catch (error) {
    await dropStagingAfterFailure(runner, access, staging, log);
    throw error;
  }
  try {
    const promoted = await promoteClone(runner, {
      staging,
      target: master,
      owner: SNAPSHOT_OWNER,
      protectedDatabases,
      isAllowedTarget: (name) => name === master,
      targetRule: `the master \`${master}\` of app \`${inputs.app}\``,
      access,
      log,
    });
    const sealed = await sealMaster(runner, access, master, log);
    return {
      sealed,
      snapshotAt: cloned.startedAt,
      bytes: cloned.bytes,
      tables: promoted.tables,
      rows: promoted.rows,
      seconds: Math.round((Date.now() - startedAt) / 10) / 100,
      method: cloned.method,
    };
  } catch (error) {
    // A refused promotion (a master someone else made) leaves the master untouched; a failed check after the move
    // names the holding schema with the previous tables, and the staging schema is then already empty.
    await dropStagingAfterFailure(runner, access, staging, log);
    throw error;
  }
}

/**
 * Seals the promoted master. A master that could not be sealed is still a good master (previews then count it), so a
 * failure here is logged, not thrown.
 */
async function sealMaster(
  runner: CommandRunner,
  access: MysqlAccess,
  master: string,
  log: (message: string) => void,
): Promise<boolean> {
  try {
    const seal = await sealDatabase(runner, { database: master, owner: SNAPSHOT_OWNER, access, log });
    if (!seal.sealed) log(`\`${master}\` is not sealed (${seal.detail}); previews will count its rows`);
    return seal.sealed;
  } catch (error) {
    log(`could not seal \`${master}\`; previews will count its rows: ${(error as Error).message}`);
    return false;
  }
}

async function dropStagingAfterFailure(
  runner: CommandRunner,
  access: MysqlAccess,
  staging: string,
  log: (message: string) => void,
): Promise<void> {
  try {
    if (await dropOwnedStaging(runner, access, staging))
      log(`dropped the staging copy \`${staging}\` after the failure`);
  } catch (cleanup) {
    // The original failure matters more; the next refresh drops the copy before starting.
    log(`could not drop the staging copy \`${staging}\`: ${(cleanup as Error).message}`);
  }
}
