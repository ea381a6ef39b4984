/**
 * The snapshots stack: one MasterSnapshot per app with a `productionDatabase`, refreshed on every `pulumi up`
 * (the weekly workflow) because each run passes a new refresh token. Exports what each master holds now.
 */
import type * as pulumi from "@pulumi/pulumi";
import { MasterSnapshot } from "../providers/master-snapshot";
import type { PlainConfig } from "./config-rules";

export interface SnapshotSummary {
  snapshotAt: pulumi.Output<string>;
  bytes: pulumi.Output<number>;
  tables: pulumi.Output<number>;
  rows: pulumi.Output<number>;
  /** Whether the master is sealed, so previews compare with its seal instead of counting it (see db-clone/seal.ts). */
  sealed: pulumi.Output<boolean>;
}

/**
 * `refreshToken` defaults to the run's start time, so each `up` refreshes every master; a preview shows the same
 * refresh as pending. Apps without a production database keep whatever master they have.
 */
export function buildSnapshotsStack(
  config: Pick<PlainConfig, "apps" | "productionDatabases">,
  refreshToken: string = new Date().toISOString(),
): { snapshots: Record<string, SnapshotSummary> } {
  const apps = Object.values(config.apps).sort((a, b) => a.name.localeCompare(b.name));
  const snapshots: Record<string, SnapshotSummary> = {};
  for (const app of apps) {
    if (app.productionDatabase === null) continue;
    // Every production database and every other app's master is off limits to this app's refresh.
    const protectedDatabases = [
      ...new Set([
        ...config.productionDatabases,
        ...apps.filter((other) => other.name !== app.name).map((other) => other.masterDatabase),
      ]),
    ].sort();
    const master = new MasterSnapshot(`${app.name}-master`, {
      app: app.name,
      productionDatabase: app.productionDatabase,
      masterDatabase: app.masterDatabase,
      maskingSql: app.maskingSql === null ? [] : [app.maskingSql],
      refreshToken,
      protectedDatabases,
    });
    snapshots[app.name] = {
      snapshotAt: master.snapshotAt,
      bytes: master.bytes,
      tables: master.tables,
      rows: master.rows,
      sealed: master.sealed,
    };
  }
  return { snapshots };
}
