/**
 * The snapshots stack: one MasterSnapshot per app with a `productionDatabase`, refreshed on every `pulumi up`
 * (the weekly workflow) because each run passes a new refresh token. Exports what each master holds now.
 */
import type * as pulumi from "@pulumi/pulumi";
import { MasterSnapshot } from "../providers/master-snapshot";
import type { PlainConfig } from "./config-rules";
import type { PoolServer } from "./server-pool";

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
 * refresh as pending. Apps without a production database keep whatever master they have. On a pool every server
 * hosts every app, so each server's master is refreshed from that server's production database: `snapshots` holds
 * the first server's, `poolSnapshots` every other server's by its Forge id.
 */
export function buildSnapshotsStack(
  config: Pick<PlainConfig, "apps" | "productionDatabases"> & { pool?: readonly PoolServer[] },
  refreshToken: string = new Date().toISOString(),
): { snapshots: Record<string, SnapshotSummary>; poolSnapshots?: Record<string, Record<string, SnapshotSummary>> } {
  const [, ...others] = config.pool ?? [];
  const snapshots = buildMasters(config, refreshToken, null);
  if (others.length === 0) return { snapshots };
  const poolSnapshots = Object.fromEntries(
    others.map((server) => [String(server.forgeServerId), buildMasters(config, refreshToken, server)]),
  );
  return { snapshots, poolSnapshots };
}

/** The masters on one server: the stack's own (null) keeps the names it always had. */
function buildMasters(
  config: Pick<PlainConfig, "apps" | "productionDatabases">,
  refreshToken: string,
  server: PoolServer | null,
): Record<string, SnapshotSummary> {
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
    const name = server === null ? `${app.name}-master` : `${app.name}-master-on-${server.forgeServerId}`;
    const master = new MasterSnapshot(name, {
      app: app.name,
      productionDatabase: app.productionDatabase,
      masterDatabase: app.masterDatabase,
      maskingSql: app.maskingSql === null ? [] : [app.maskingSql],
      refreshToken,
      protectedDatabases,
      ...(server === null ? {} : { server: { ...server } }),
    });
    snapshots[app.name] = {
      snapshotAt: master.snapshotAt,
      bytes: master.bytes,
      tables: master.tables,
      rows: master.rows,
      sealed: master.sealed,
    };
  }
  return snapshots;
}
