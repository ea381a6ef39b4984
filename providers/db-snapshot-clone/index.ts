/**
 * DbSnapshotClone: the PR database filled with a verified copy of the app's master (snapshot) database, made on the
 * Forge server over SSH by the clone engine (providers/db-clone). The database itself belongs to ForgeDatabase; this
 * resource owns only its contents' origin, recorded in a clone mark inside it.
 *
 * Lifecycle: create clones (or, when the mark shows a verified clone of the same master with the same reset token,
 * keeps it: a lost state must not wipe a PR's test data). A newer master changes nothing; only a new `resetToken`
 * (or another source/target) replaces the clone. Update stores new settings for the next fresh clone. Refresh drops
 * the resource when the database is gone. Delete touches no data; it removes temporary files a clone left behind.
 */
import * as pulumi from "@pulumi/pulumi";
import { cloneDatabase, inspectClone, removeCloneLeftovers, type CloneResult } from "../db-clone";
import {
  type DbSnapshotCloneInputs,
  PREVIEW_TARGET_RULE,
  checkDbSnapshotCloneInputs,
  diffDbSnapshotClone,
} from "./rules";
import { isPreviewDatabaseName } from "../common/ownership";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, mysqlAccessFromStackConfig, pureCheckAndDiff } from "../runtime";
import { sshTargetFromStackConfig, withSsh } from "../ssh";
import { UserError } from "../common/user-error";

export type { DbSnapshotCloneInputs } from "./rules";

type OptionalArgs = "method" | "postCloneSql" | "resetToken" | "protectedDatabases" | "verifyChecksums";

/** Defaults: method `auto`, no post-clone SQL, reset token "", no protected databases, checksums verified. */
export type DbSnapshotCloneArgs = {
  [K in Exclude<keyof DbSnapshotCloneInputs, OptionalArgs>]: pulumi.Input<DbSnapshotCloneInputs[K]>;
} & { [K in OptionalArgs]?: pulumi.Input<DbSnapshotCloneInputs[K]> };

export interface DbSnapshotCloneOutputs extends DbSnapshotCloneInputs {
  /** The method that ran (`method` is what was asked for). */
  methodUsed: string;
  /** Why that method: `auto`'s reasoning, or that it was requested; names tables sent through dump/load. */
  methodReason: string;
  fallbackTables: { name: string; reason: string }[];
  tables: number;
  rows: number;
  /** Data and index bytes of the master's tables. */
  bytes: number;
  seconds: number;
  /** `checksum` or `counts`: what the copy was verified with. */
  verifiedWith: string;
  /** `source` or `seal`: whether the rows were compared with the master as counted now or with its seal (files unchanged since). */
  verifiedAgainst: string;
  /** When the master's data was taken (its own clone mark, else its newest table), ISO 8601, or null. */
  sourceSnapshotAt: string | null;
  /** When this clone finished, ISO 8601. */
  clonedAt: string;
}

function assertInputs(inputs: DbSnapshotCloneInputs, action: string): void {
  const { failures } = checkDbSnapshotCloneInputs({ ...inputs });
  if (failures.length > 0) {
    throw new UserError(
      `Refusing to ${action} the clone of \`${inputs.source}\` into \`${inputs.target}\`: ${failures.map((f) => f.reason).join("; ")}`,
    );
  }
}

function outputsOf(inputs: DbSnapshotCloneInputs, result: CloneResult): DbSnapshotCloneOutputs {
  return {
    app: inputs.app,
    source: inputs.source,
    target: inputs.target,
    method: inputs.method,
    postCloneSql: [...inputs.postCloneSql],
    resetToken: inputs.resetToken,
    ownerTag: inputs.ownerTag,
    protectedDatabases: [...inputs.protectedDatabases],
    verifyChecksums: inputs.verifyChecksums,
    methodUsed: result.method,
    methodReason: result.reason,
    fallbackTables: result.fallbackTables.map((t) => ({ name: t.name, reason: t.reason })),
    tables: result.tables.length,
    rows: result.rows,
    bytes: result.bytes,
    seconds: result.seconds,
    verifiedWith: result.verifiedWith,
    // A clone adopted from a mark written before seals existed has no such field.
    verifiedAgainst: result.verifiedAgainst ?? "source",
    sourceSnapshotAt: result.sourceSnapshotAt,
    clonedAt: result.finishedAt,
  };
}

export const provider: ProviderImplementation<DbSnapshotCloneInputs, DbSnapshotCloneOutputs> = {
  ...pureCheckAndDiff(checkDbSnapshotCloneInputs, (olds, news) => diffDbSnapshotClone({ ...olds }, { ...news })),

  async create(inputs) {
    assertInputs(inputs, "create");
    const access = mysqlAccessFromStackConfig();
    const result = await withSsh(sshTargetFromStackConfig(), (session) =>
      cloneDatabase(session, {
        source: inputs.source,
        target: inputs.target,
        method: inputs.method,
        verify: inputs.verifyChecksums ? "checksum" : "counts",
        owner: inputs.ownerTag,
        resetToken: inputs.resetToken,
        protectedDatabases: inputs.protectedDatabases,
        isAllowedTarget: isPreviewDatabaseName,
        targetRule: PREVIEW_TARGET_RULE,
        adopt: true,
        postCloneSql: inputs.postCloneSql,
        access,
        log: (message) => void pulumi.log.info(`db-snapshot-clone: ${message}`),
      }),
    );
    // A failed clone throws without an id: the target keeps this stack's mark (status `failed`), so the next `up`
    // creates again and may overwrite it; nothing half-done is recorded as a working clone.
    return { id: inputs.target, outs: outputsOf(inputs, result) satisfies DbSnapshotCloneOutputs };
  },

  async read(id, props) {
    const found = await withSsh(sshTargetFromStackConfig(), (session) =>
      inspectClone(session, { access: mysqlAccessFromStackConfig(), target: props.target }),
    );
    if (!found.exists) return { id: "" };
    if (found.mark === null || found.mark.owner !== props.ownerTag) {
      // The data is still there (the app may have wiped and re-migrated it); only a fresh clone needs the mark.
      void pulumi.log.warn(
        `db-snapshot-clone: \`${props.target}\` no longer carries this stack's clone mark; a new resetToken will be refused until it is empty`,
      );
    }
    return { id, props };
  },

  async update(_id, olds, news) {
    assertInputs(news, "update");
    // Settings for the next fresh clone only: the PR's data stays as it is.
    return {
      outs: {
        ...olds,
        method: news.method,
        postCloneSql: [...news.postCloneSql],
        protectedDatabases: [...news.protectedDatabases],
        verifyChecksums: news.verifyChecksums,
      } satisfies DbSnapshotCloneOutputs,
    };
  },

  async delete(_id, props) {
    try {
      await withSsh(sshTargetFromStackConfig(), (session) =>
        removeCloneLeftovers(session, { access: mysqlAccessFromStackConfig(), target: props.target }),
      );
    } catch (error) {
      // Leftover temp files are not worth blocking a stack's destroy over.
      void pulumi.log.warn(
        `db-snapshot-clone: could not remove temporary files of \`${props.target}\`: ${(error as Error).message}`,
      );
    }
  },
};

/**
 * The PR database's contents: a verified copy of `source`. Pass ForgeDatabase's `name` output as `target` so the
 * database exists first; change `resetToken` for a fresh copy.
 */
export class DbSnapshotClone extends dynamicResourceClass<
  DbSnapshotCloneInputs,
  DbSnapshotCloneOutputs,
  DbSnapshotCloneArgs
>({
  implementation: "providers/db-snapshot-clone",
  type: ["forge", "DbSnapshotClone"],
  createdOutputs: {
    methodUsed: true,
    methodReason: true,
    fallbackTables: true,
    tables: true,
    rows: true,
    bytes: true,
    seconds: true,
    verifiedWith: true,
    verifiedAgainst: true,
    sourceSnapshotAt: true,
    clonedAt: true,
  },
}) {}
