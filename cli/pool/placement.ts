/**
 * Where a new preview goes: of the servers that hold the app's master, the one with the most headroom. Headroom is the
 * smaller of the free share of memory and the free share of the fullest disk measured, since a preview needs both;
 * ties (in whole percents) go to the server listed first. Pure: the CLI measures, this decides and says why.
 */
import { UserError } from "../../providers/common/user-error";
import { type PoolServer, describeServer } from "../../stacks/server-pool";

/** What a measurement of a server reports (the shape of `readServerMetrics`). */
export interface ServerMetrics {
  load1: number;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  disks: Array<{ mount: string; totalBytes: number; freeBytes: number }>;
}

/** One server of the pool as the CLI found it: its metrics, or why it could not be measured. */
export interface Candidate {
  server: PoolServer;
  /** Whether the app's master database exists there; a preview is cloned from it. */
  hasMaster: boolean;
  metrics: ServerMetrics | null;
  /** Why the server could not be measured (unreachable, refused), when `metrics` is null. */
  error?: string;
}

export interface Placement {
  server: PoolServer;
  /** One line naming the chosen server and why, and why each other one was passed over. */
  reason: string;
}

/** The free share (0-1) of the tighter of memory and the fullest disk; 0 when a figure is missing or nonsense. */
export function headroomOf(metrics: ServerMetrics): number {
  const shares = [
    metrics.memoryTotalBytes > 0 ? 1 - metrics.memoryUsedBytes / metrics.memoryTotalBytes : 0,
    ...metrics.disks.map((disk) => (disk.totalBytes > 0 ? disk.freeBytes / disk.totalBytes : 0)),
  ];
  return Math.max(0, Math.min(...shares));
}

function percent(share: number): number {
  return Math.floor(share * 100);
}

/** The chosen server, or a UserError saying, for every server, why it cannot take the preview. */
export function choosePlacement(candidates: readonly Candidate[], masterDatabase: string): Placement {
  const passed: string[] = [];
  const fit: Array<{ server: PoolServer; free: number }> = [];
  for (const candidate of candidates) {
    const name = describeServer(candidate.server);
    if (candidate.metrics === null) passed.push(`${name}: not measured (${candidate.error ?? "no answer"})`);
    else if (!candidate.hasMaster) passed.push(`${name}: has no master \`${masterDatabase}\``);
    else fit.push({ server: candidate.server, free: percent(headroomOf(candidate.metrics)) });
  }
  // A stable sort keeps the pool's order among equals.
  const ranked = [...fit].sort((a, b) => b.free - a.free);
  const best = ranked[0];
  if (best === undefined) {
    throw new UserError(
      `No server of the pool can take the preview: ${passed.join("; ")}. Refresh the master there (the snapshots ` +
        "stack) or check the server's SSH settings in `poolServers`.",
    );
  }
  const others = [...ranked.slice(1).map((entry) => `${describeServer(entry.server)}: ${entry.free}% free`), ...passed];
  return {
    server: best.server,
    reason:
      `${describeServer(best.server)} has the most headroom, ${best.free}% free` +
      (others.length > 0 ? ` (${others.join("; ")})` : ""),
  };
}
