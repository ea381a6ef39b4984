/**
 * Pure rules of the MasterSnapshot resource: input checks, the staging name and the diff. No server access, so they
 * stay side-effect free during preview and tolerate the preview's unknown values.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PLAIN_NAME, SYSTEM_SCHEMAS } from "../db-clone";
import { isPreviewDatabaseName } from "../common/ownership";
import type { PoolServer } from "../common/pool-server";
import { containsUnknown, isUnknown } from "../runtime";

export interface MasterSnapshotInputs {
  /** The app whose master this is. */
  app: string;
  /** The production database, only ever read (one `--single-transaction` dump). */
  productionDatabase: string;
  /** The master every preview of the app clones; replaced as a whole by each refresh. */
  masterDatabase: string;
  /** SQL scripts run in the staging copy before it becomes the master (masking, anonymisation), in order. */
  maskingSql: string[];
  /** A new value refreshes the master from production; the snapshots stack passes one per run. */
  refreshToken: string;
  /** Production databases and other apps' masters: never written. */
  protectedDatabases: string[];
  /** Another server of the pool than the stack's own (whose keys are read at call time); absent: the stack's. */
  server?: PoolServer;
}

/** Written into the clone mark of every master this stack makes; only a master carrying it is ever replaced. */
export const SNAPSHOT_OWNER = "forge-previews-snapshots";
const STAGING_SUFFIX = "_fpstaging";
/** A master name leaves room for the staging suffix inside MySQL's 64-character limit. */
export const MAX_MASTER_LENGTH = 64 - STAGING_SUFFIX.length;

/** The staging clone a refresh fills and verifies before moving it into place; this resource owns it. */
export function stagingDatabaseFor(master: string): string {
  return `${master}${STAGING_SUFFIX}`;
}

const APP = /^[a-z][a-z0-9]{0,19}$/;

type Failure = pulumi.dynamic.CheckFailure;

function isStringList(value: unknown): boolean {
  return (
    isUnknown(value) || (Array.isArray(value) && value.every((item) => isUnknown(item) || typeof item === "string"))
  );
}

function knownStrings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string" && !isUnknown(item))
    : [];
}

function isSystemSchema(name: string): boolean {
  return SYSTEM_SCHEMAS.includes(name.toLowerCase());
}

function sameName(a: string, b: string): boolean {
  // MySQL with lower_case_table_names treats Shop and shop as one database.
  return a.toLowerCase() === b.toLowerCase();
}

function checkProduction(value: unknown): Failure[] {
  if (isUnknown(value)) return [];
  if (typeof value !== "string" || !PLAIN_NAME.test(value)) {
    return [
      {
        property: "productionDatabase",
        reason: "`productionDatabase` must be the production database's name (1-64 letters, digits or underscores)",
      },
    ];
  }
  if (isSystemSchema(value))
    return [
      {
        property: "productionDatabase",
        reason: `\`productionDatabase\` \`${value}\` is a system schema of the server`,
      },
    ];
  return [];
}

function checkMaster(inputs: Record<string, unknown>): Failure[] {
  const { masterDatabase: master, productionDatabase: production, protectedDatabases } = inputs;
  if (isUnknown(master)) return [];
  const fail = (reason: string): Failure => ({ property: "masterDatabase", reason });
  if (typeof master !== "string" || !PLAIN_NAME.test(master) || master.length > MAX_MASTER_LENGTH) {
    return [
      fail(
        `\`masterDatabase\` must be 1-${MAX_MASTER_LENGTH} letters, digits or underscores (its staging copy adds \`${STAGING_SUFFIX}\`)`,
      ),
    ];
  }
  const failures: Failure[] = [];
  if (isSystemSchema(master))
    failures.push(fail(`\`masterDatabase\` \`${master}\` is a system schema of the server and is never written`));
  if (isPreviewDatabaseName(master))
    failures.push(
      fail(
        `\`masterDatabase\` \`${master}\` is a preview database name (\`<app>_pr_<n>\`); name the app's master instead`,
      ),
    );
  if (typeof production === "string" && sameName(master, production)) {
    failures.push(
      fail(`\`masterDatabase\` \`${master}\` is the production database itself; production is only ever read`),
    );
  }
  const staging = stagingDatabaseFor(master);
  for (const name of knownStrings(protectedDatabases)) {
    if (sameName(name, master))
      failures.push(
        fail(
          `\`masterDatabase\` \`${master}\` is listed in \`protectedDatabases\` (production or another app's master) and is never written`,
        ),
      );
    if (sameName(name, staging))
      failures.push(
        fail(
          `the staging copy \`${staging}\` of \`masterDatabase\` is listed in \`protectedDatabases\`; rename the master`,
        ),
      );
  }
  return failures;
}

/** `check`: defaults applied (no masking, empty token, nothing protected) and every problem, each naming its field. */
export function checkMasterSnapshotInputs(news: Record<string, unknown>): {
  inputs: MasterSnapshotInputs;
  failures: Failure[];
} {
  const inputs = {
    app: news.app,
    productionDatabase: news.productionDatabase,
    masterDatabase: news.masterDatabase,
    maskingSql: news.maskingSql ?? [],
    refreshToken: news.refreshToken ?? "",
    protectedDatabases: news.protectedDatabases ?? [],
    ...(news.server === undefined ? {} : { server: news.server }),
  };
  const failures: Failure[] = [];
  if (!isUnknown(inputs.app) && (typeof inputs.app !== "string" || !APP.test(inputs.app))) {
    failures.push({
      property: "app",
      reason: "`app` must be 1-20 lower-case letters and digits, starting with a letter",
    });
  }
  failures.push(...checkProduction(inputs.productionDatabase), ...checkMaster(inputs));
  if (!isStringList(inputs.maskingSql))
    failures.push({ property: "maskingSql", reason: "`maskingSql` must be a list of SQL scripts (strings)" });
  if (!isUnknown(inputs.refreshToken) && typeof inputs.refreshToken !== "string") {
    failures.push({
      property: "refreshToken",
      reason: "`refreshToken` must be a string; a new value refreshes the master",
    });
  }
  if (!isStringList(inputs.protectedDatabases)) {
    failures.push({ property: "protectedDatabases", reason: "`protectedDatabases` must be a list of database names" });
  }
  return { inputs: inputs as MasterSnapshotInputs, failures };
}

/** Another app, production, master or server is another snapshot: a new resource (the old master stays, see delete). */
export const REPLACE_FIELDS = ["app", "productionDatabase", "masterDatabase", "server"] as const;
/** These refresh the master in place: a new token, or masking that the current master has not had. */
export const REFRESH_FIELDS = ["refreshToken", "maskingSql"] as const;
/** Only what is refused changes. */
export const SETTING_FIELDS = ["protectedDatabases"] as const;

function changed(olds: Record<string, unknown>, news: Record<string, unknown>, field: string): boolean {
  return containsUnknown(news[field]) || JSON.stringify(news[field]) !== JSON.stringify(olds[field]);
}

export function diffMasterSnapshot(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces = REPLACE_FIELDS.filter((field) => changed(olds, news, field));
  const updates = [...REFRESH_FIELDS, ...SETTING_FIELDS].filter((field) => changed(olds, news, field));
  // Delete leaves the master in place, so the order of a replacement does not matter: create first.
  return { changes: replaces.length > 0 || updates.length > 0, replaces: [...replaces], deleteBeforeReplace: false };
}

/** Whether an update must refresh the master (rather than only store settings). */
export function needsRefresh(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return REFRESH_FIELDS.some((field) => changed(olds, news, field));
}
