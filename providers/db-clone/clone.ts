/**
 * `cloneDatabase`: guards, method choice, copy, verification, post-clone SQL and the clone mark, in that order.
 * Nothing is written before every guard passed; the mark goes in before any data, so an interrupted clone can be
 * cleared by its owner's next run and by nobody else.
 */
import { type MethodPlan, chooseMethod } from "./choose-method";
import { removeAllExportMetadataStep } from "./datadir-files";
import { CloneRefusedError, CloneVerificationError, RemoteCommandError } from "./errors";
import { assertAccountSeesSource, assertNamesAllowed, assertServerStateAllowed } from "./guards";
import type { SchemaInventory } from "./inventory";
import { type CloneMark, finishMark, hashResetToken, readMark, startMarkSql } from "./mark";
import type { MethodContext, MethodMeasures } from "./method-context";
import { cloneByParallelDump } from "./method-parallel";
import { cloneByStreamDump } from "./method-stream";
import { cloneByTransport } from "./method-transport";
import type { RemoteMysql } from "./remote-mysql";
import type { RemoteStep } from "./remote-steps";
import type { ServerFacts } from "./server-facts";
import { copySessionRequest, withCloneSession } from "./session";
import { createDatabaseSql, emptySchemaSql } from "./schema-objects";
import type { CloneMethod, CloneOptions, CloneResult, CommandRunner, HookContext } from "./types";
import { verifyClone } from "./verify";

const DEFAULT_PARALLELISM = 2;

/** Each method copies; one that measured on the way (transport) returns that for verification. */
const METHODS: Record<CloneMethod, (ctx: MethodContext) => Promise<MethodMeasures | null>> = {
  transport: cloneByTransport,
  "parallel-dump": cloneByParallelDump,
  "stream-dump": cloneByStreamDump,
};

/** The newest table creation time of a schema, as ISO, or null when the server tracks none. */
function newestTableTime(inventory: SchemaInventory): string | null {
  const times = inventory.tables.map((t) => t.createdAt).filter((t): t is number => t !== null);
  return times.length === 0 ? null : new Date(Math.max(...times) * 1000).toISOString();
}

/** The recorded result of a verified clone that `options` would reproduce, or null. */
function adoptableResult(mark: CloneMark | null, options: CloneOptions): CloneResult | null {
  if (mark === null || mark.status !== "verified" || mark.source !== options.source) return null;
  if (mark.resetTokenSha256 !== hashResetToken(options.resetToken ?? "")) return null;
  const result = mark.result as Partial<CloneResult> | null;
  if (
    result === null ||
    typeof result !== "object" ||
    result.target !== options.target ||
    !Array.isArray(result.tables)
  )
    return null;
  return { ...(result as CloneResult), adopted: true };
}

async function runPostCloneSql(mysql: RemoteMysql, target: string, scripts: readonly string[]): Promise<void> {
  for (const [index, script] of scripts.entries()) {
    try {
      await mysql.execute(script, {
        step: `Post-clone SQL script ${index + 1} of ${scripts.length}`,
        database: target,
      });
    } catch (error) {
      if (error instanceof RemoteCommandError) {
        throw new RemoteCommandError(
          `${error.step} in \`${target}\` (the clone is kept but marked failed)`,
          error.exitCode,
          error.stderrTail,
        );
      }
      throw error;
    }
  }
}

/**
 * The method a clone of `source` would get on this server, and why, without writing anything (for `doctor`): the same
 * session and choice as {@link cloneDatabase}, so a refused sudo password fails here too.
 */
export async function planCloneOf(
  runner: CommandRunner,
  options: Pick<CloneOptions, "access" | "method" | "liveSource"> & { source: string },
): Promise<MethodPlan & { fileAccess: ServerFacts["fileAccess"] }> {
  const { source } = options;
  const request = { ...copySessionRequest(options, source, source, source), schemas: [source] };
  return withCloneSession(runner, request, async ({ facts, inventories, tablespaceFiles }) => {
    const inventory = inventories.get(source) ?? null;
    if (inventory === null)
      throw new CloneRefusedError(`\`${source}\` does not exist (or ${facts.account} cannot see it)`);
    return { ...planClone(options, facts, inventory, tablespaceFiles), fileAccess: facts.fileAccess };
  });
}

/** Whether the method choice needs the source's `.ibd` files (listed in the session's round trip). */
function wantsTablespaceFiles(options: CloneOptions): boolean {
  const requested = options.method ?? "auto";
  return requested === "transport" || (requested === "auto" && options.liveSource !== true);
}

/** `listed`: the source's `.ibd` files as the session listed them; undefined when the method choice did not ask. */
function planClone(
  options: Pick<CloneOptions, "method" | "liveSource">,
  facts: ServerFacts,
  source: SchemaInventory,
  listed: Set<string> | null | undefined,
): MethodPlan {
  const files = facts.fileAccess !== "none" ? (listed ?? null) : null;
  return chooseMethod({
    requested: options.method ?? "auto",
    liveSource: options.liveSource === true,
    fileAccess: facts.fileAccess,
    sudoAsksPassword: facts.sudoAsksPassword,
    filePerTable: facts.filePerTable,
    sourcePrivileges: facts.sourcePrivileges,
    globalPrivileges: facts.globalPrivileges,
    tables: source.tables,
    tablespaceFiles: files,
    dataDir: facts.dataDir,
  });
}

/**
 * Clones `options.source` into `options.target` on the server behind `runner` and verifies the copy. Throws
 * {@link CloneRefusedError} (nothing written) when a guard says no, {@link CloneVerificationError} when the copy
 * differs, and leaves the target marked `failed` after any failure past the guards.
 */
export async function cloneDatabase(runner: CommandRunner, options: CloneOptions): Promise<CloneResult> {
  const { source, target, owner } = options;
  const log = options.log ?? ((): void => undefined);
  assertNamesAllowed(options);
  const request = copySessionRequest(options, source, target, wantsTablespaceFiles(options) ? source : undefined);
  return withCloneSession(runner, request, async ({ mysql, facts, workDir, inventories, tablespaceFiles }) => {
    const sourceInventory = inventories.get(source) ?? null;
    const targetInventory = inventories.get(target) ?? null;
    const [targetMark, sourceMark] = await Promise.all([
      targetInventory?.hasMark ? readMark(mysql, targetInventory) : null,
      sourceInventory?.hasMark ? readMark(mysql, sourceInventory) : null,
    ]);
    const state = assertServerStateAllowed({
      source,
      target,
      owner,
      createTarget: options.createTarget === true,
      sourceInventory,
      targetInventory,
      targetMark,
    });
    const sourceInv = sourceInventory as SchemaInventory;
    assertAccountSeesSource(facts.account, source, facts.sourcePrivileges);
    if (options.adopt === true && state.kind === "ours") {
      const adopted = adoptableResult(state.mark, options);
      if (adopted !== null) {
        log(`\`${target}\` already holds a verified clone of \`${source}\` by this stack; keeping it`);
        return adopted;
      }
    }
    const plan = planClone(options, facts, sourceInv, tablespaceFiles);
    log(`cloning \`${source}\` into \`${target}\` by ${plan.method}: ${plan.reason}`);
    const startedAt = new Date().toISOString();
    const sourceSnapshotAt = sourceMark?.dataAsOf ?? newestTableTime(sourceInv);
    const dataAsOf =
      sourceMark?.dataAsOf ?? (options.liveSource === true ? startedAt : (sourceSnapshotAt ?? startedAt));

    // First writes, sent ahead of the method's first step: everything above only read.
    const mark = startMarkSql(target, {
      owner,
      source,
      resetTokenSha256: hashResetToken(options.resetToken ?? ""),
      startedAt,
      dataAsOf,
    });
    const prepare: RemoteStep[] = [];
    if (state.kind === "missing")
      prepare.push(
        mysql.sqlStep(createDatabaseSql(target, sourceInv), { step: `Creating database \`${target}\``, write: true }),
      );
    if (state.kind === "ours" && targetInventory !== null && facts.fileAccess !== "none") {
      prepare.push(removeAllExportMetadataStep(facts, facts.dataDir, target));
    }
    prepare.push(
      mysql.sqlStep(
        state.kind === "ours" && targetInventory !== null ? `${emptySchemaSql(targetInventory)}\n${mark}` : mark,
        {
          step: `Marking \`${target}\` as this stack's clone in progress${state.kind === "ours" ? " (after emptying the previous clone)" : ""}`,
          database: target,
          write: true,
        },
      ),
    );

    const hookContext: HookContext = { runner, source, target, method: plan.method, dataDir: facts.dataDir };
    try {
      const verifiedWith = options.verify ?? "checksum";
      const measured = await METHODS[plan.method]({
        mysql,
        facts,
        source: sourceInv,
        target,
        plan,
        workDir,
        parallelism: options.parallelism ?? DEFAULT_PARALLELISM,
        prepare,
        verify: verifiedWith,
        seal: sourceMark?.seal ?? null,
        afterCopy: async () => options.hooks?.afterCopy?.(hookContext),
        log,
      });
      await options.hooks?.beforeVerify?.(hookContext);
      const sealedAt = measured?.sealedAt ?? null;
      log(`verifying the clone (${verifiedWith}${sealedAt === null ? "" : `, against the seal of \`${source}\``})`);
      const viaFile = new Set(plan.fileTables);
      const copiedBy = (t: string): "file" | "dump" => (viaFile.has(t) ? "file" : "dump");
      const verification = await verifyClone(mysql, sourceInv, target, verifiedWith, copiedBy, measured ?? undefined);
      if (verification.problems.length > 0) throw new CloneVerificationError(source, target, verification.problems);
      await runPostCloneSql(mysql, target, options.postCloneSql ?? []);
      const finishedAt = new Date().toISOString();
      const result: CloneResult = {
        source,
        target,
        method: plan.method,
        reason: plan.reason,
        fallbackTables: plan.fallbackTables,
        tables: verification.tables,
        rows: verification.tables.reduce((sum, t) => sum + t.rows, 0),
        bytes: sourceInv.tables.reduce((sum, t) => sum + t.bytes, 0),
        seconds: Math.round((Date.parse(finishedAt) - Date.parse(startedAt)) / 10) / 100,
        verifiedWith,
        verifiedAgainst: sealedAt === null ? "source" : "seal",
        sourceSnapshotAt,
        startedAt,
        finishedAt,
        adopted: false,
      };
      await finishMark(mysql, target, "verified", finishedAt, { ...result, adopted: undefined });
      log(
        `cloned ${result.tables.length} tables, ${result.rows} rows in ${result.seconds} s; verified (${verifiedWith})`,
      );
      return result;
    } catch (error) {
      await finishMark(mysql, target, "failed", new Date().toISOString(), null).catch(() => undefined);
      throw error;
    }
  });
}
