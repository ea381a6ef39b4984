/**
 * `promoteClone`: moves a verified staging clone into place under the target's name, replacing what the target held
 * (the snapshots stack: clone production into `<master>_next`, verify, then promote it to `<master>`).
 *
 * The data moves with one multi-table RENAME TABLE, which MySQL and MariaDB apply atomically: readers see the old
 * tables or the new ones, never a mix. RENAME TABLE refuses to move a table with triggers to another schema, so the
 * triggers are dumped first, dropped, and recreated in the target with the views, routines and events. The old
 * tables go to a holding schema that is dropped only after the promoted target was checked; if that check fails, the
 * holding schema keeps the old data and the error names it.
 */
import { createHash } from "node:crypto";
import { buildShellCommand } from "../ssh";
import { CloneRefusedError, CloneVerificationError } from "./errors";
import { assertNamesAllowed } from "./guards";
import { type SchemaInventory, describeContents, isEmptySchema, readInventory } from "./inventory";
import { MARK_TABLE, readMark } from "./mark";
import type { RemoteMysql } from "./remote-mysql";
import { createDatabase, emptySchemaSql, ignoreMark } from "./schema-objects";
import { copySessionRequest, withCloneSession } from "./session";
import { qualified, quoteIdentifier } from "./sql";
import type { CommandRunner, MysqlAccess } from "./types";
import { compareObjects, countRows } from "./verify";

export interface PromoteOptions {
  /** The verified clone to move into place; it must carry `owner`'s mark with status `verified`. */
  staging: string;
  /** Where it goes; missing, empty, or carrying `owner`'s mark (never someone else's data). */
  target: string;
  owner: string;
  protectedDatabases: readonly string[];
  isAllowedTarget(name: string): boolean;
  targetRule: string;
  access: MysqlAccess;
  stepTimeoutMs?: number;
  log?(message: string): void;
}

export interface PromoteResult {
  target: string;
  /** True when the target held a previous version, now dropped. */
  replaced: boolean;
  tables: number;
  rows: number;
  seconds: number;
}

async function assertPromotable(
  mysql: RemoteMysql,
  options: PromoteOptions,
  staging: SchemaInventory | null,
  target: SchemaInventory | null,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new CloneRefusedError(`Refusing to promote \`${options.staging}\` to \`${options.target}\`: ${why}.`);
  };
  if (staging === null) refuse(`\`${options.staging}\` does not exist`);
  const stagingMark = staging?.hasMark ? await readMark(mysql, staging) : null;
  if (stagingMark?.owner !== options.owner || stagingMark.status !== "verified") {
    refuse(
      `\`${options.staging}\` is not a verified clone by \`${options.owner}\` (its mark: ${stagingMark === null ? "none" : `${stagingMark.owner}, ${stagingMark.status}`})`,
    );
  }
  if (target === null || isEmptySchema(target)) return;
  const targetMark = target.hasMark ? await readMark(mysql, target) : null;
  if (targetMark?.owner !== options.owner) {
    refuse(
      `\`${options.target}\` holds ${describeContents(target)} and no clone mark of \`${options.owner}\`, so it is not a previous promotion to replace`,
    );
  }
}

/** Dumps the staging schema's views and its triggers, routines and events into the work directory. */
async function saveDefinitions(mysql: RemoteMysql, staging: SchemaInventory, workDir: string): Promise<string[]> {
  const files: string[] = [];
  const dumpTo = async (args: string[], file: string, what: string): Promise<void> => {
    await mysql.runShell(
      `set -o pipefail; ${buildShellCommand(mysql.dumpArgv(args))} > ${buildShellCommand([file])}`,
      `Saving the ${what} of \`${staging.name}\``,
    );
    files.push(file);
  };
  if (staging.views.length > 0) {
    await dumpTo(
      ["--no-data", "--skip-triggers", "--single-transaction", staging.name, ...staging.views],
      `${workDir}/views.sql`,
      "views",
    );
  }
  if (staging.triggers.length + staging.routines.length + staging.events.length > 0) {
    const events = staging.events.length > 0 ? ["--events"] : [];
    const args = [
      "--no-data",
      "--no-create-info",
      "--single-transaction",
      "--triggers",
      "--routines",
      ...events,
      ignoreMark(staging.name),
      staging.name,
    ];
    await dumpTo(args, `${workDir}/objects.sql`, "triggers, routines and events");
  }
  return files;
}

/** Drops `schema` only if its tables are exactly `tables` (plus a mark among them): nothing else may go with it. */
async function dropIfOnly(mysql: RemoteMysql, schema: string, tables: readonly string[], what: string): Promise<void> {
  const inventory = await readInventory(mysql, schema);
  if (inventory === null) return;
  const held = [...inventory.tables.map((t) => t.name), ...(inventory.hasMark ? [MARK_TABLE] : [])].sort();
  if (JSON.stringify(held) !== JSON.stringify([...tables].sort())) {
    throw new Error(
      `Not dropping \`${schema}\` (${what}): it holds ${held.length} tables instead of the ${tables.length} moved there; drop it by hand once checked`,
    );
  }
  await mysql.execute(`DROP DATABASE ${quoteIdentifier(schema)};`, { step: `Dropping \`${schema}\` (${what})` });
}

function holdingSchemaFor(target: string): string {
  return `fpold_${createHash("sha256").update(`${target}\n${Date.now()}`).digest("hex").slice(0, 16)}`;
}

export async function promoteClone(runner: CommandRunner, options: PromoteOptions): Promise<PromoteResult> {
  const { staging, target } = options;
  const log = options.log ?? ((): void => undefined);
  assertNamesAllowed({ ...options, source: staging });
  const startedAt = Date.now();
  const request = copySessionRequest(options, staging, target);
  return withCloneSession(runner, request, async ({ mysql, workDir, inventories }) => {
    const stagingInv = inventories.get(staging) ?? null;
    const targetInv = inventories.get(target) ?? null;
    await assertPromotable(mysql, options, stagingInv, targetInv);
    const from = stagingInv as SchemaInventory;
    const expectedRows = await countRows(
      mysql,
      staging,
      from.tables.map((t) => t.name),
    );
    const files = await saveDefinitions(mysql, from, workDir);
    const holding = holdingSchemaFor(target);
    const oldTables =
      targetInv === null ? [] : [...targetInv.tables.map((t) => t.name), ...(targetInv.hasMark ? [MARK_TABLE] : [])];
    const newTables = [...from.tables.map((t) => t.name), MARK_TABLE];

    if (targetInv === null) await createDatabase(mysql, target, from);
    if (oldTables.length > 0)
      await mysql.execute(`CREATE DATABASE ${quoteIdentifier(holding)};`, {
        step: `Creating the holding schema \`${holding}\``,
      });
    const dropTriggers = [
      ...from.triggers.map((t) => `DROP TRIGGER ${qualified(staging, t.name)};`),
      ...(targetInv?.triggers ?? []).map((t) => `DROP TRIGGER ${qualified(target, t.name)};`),
    ];
    const renames = [
      ...oldTables.map((t) => `${qualified(target, t)} TO ${qualified(holding, t)}`),
      ...newTables.map((t) => `${qualified(staging, t)} TO ${qualified(target, t)}`),
    ];
    log(`moving ${from.tables.length} tables of \`${staging}\` into \`${target}\` in one RENAME TABLE`);
    await mysql.execute([...dropTriggers, `RENAME TABLE ${renames.join(", ")};`].join("\n"), {
      step: `Moving the tables of \`${staging}\` into \`${target}\``,
    });

    // The old views, routines and events of the target go; the staging schema's are recreated in their place.
    const leftovers = targetInv === null ? "" : emptySchemaSql({ ...targetInv, tables: [] });
    if (leftovers !== "")
      await mysql.execute(leftovers, {
        step: `Dropping the previous views, routines and events of \`${target}\``,
        database: target,
      });
    for (const file of files) {
      await mysql.runShell(
        `${buildShellCommand(mysql.loadArgv(target))} < ${buildShellCommand([file])}`,
        `Recreating the definitions of \`${staging}\` in \`${target}\``,
      );
    }

    const promoted = await readInventory(mysql, target);
    const problems =
      promoted === null ? [{ object: null, detail: `\`${target}\` disappeared` }] : compareObjects(from, promoted);
    const rowsNow = await countRows(
      mysql,
      target,
      from.tables.map((t) => t.name),
    );
    for (const [table, expected] of expectedRows) {
      if (rowsNow.get(table) !== expected)
        problems.push({
          object: table,
          detail: `${expected} rows before the move, ${rowsNow.get(table) ?? "?"} after`,
        });
    }
    if (problems.length > 0) {
      const kept = oldTables.length > 0 ? ` The previous tables are kept in \`${holding}\`.` : "";
      throw new CloneVerificationError(staging, target, [
        ...problems,
        { object: null, detail: `promotion check failed.${kept}` },
      ]);
    }
    await dropIfOnly(mysql, staging, [], "the emptied staging schema");
    if (oldTables.length > 0) await dropIfOnly(mysql, holding, oldTables, `the previous tables of \`${target}\``);
    const rows = [...rowsNow.values()].reduce((sum, n) => sum + n, 0);
    return {
      target,
      replaced: oldTables.length > 0,
      tables: from.tables.length,
      rows,
      seconds: Math.round((Date.now() - startedAt) / 10) / 100,
    };
  });
}
