/**
 * What a Forge server has left: load, memory and the disks under given paths, read over SSH from `/proc` and `df`
 * in one command. The figures are the kernel's own: memory used is MemTotal − MemAvailable (what the kernel could
 * not hand a new process without swapping), a disk's free space is what an unprivileged user may still write
 * (`df`'s Available, statfs's f_bavail), as MySQL and the site users are unprivileged.
 */
import { SshSession, type SshTarget, withSsh } from "../../providers/ssh";

export interface DiskMetrics {
  /** The path asked about (e.g. `/home`, MySQL's datadir). */
  path: string;
  /** The mount point of the filesystem that holds it. */
  mount: string;
  totalBytes: number;
  freeBytes: number;
}

export interface ServerMetrics {
  /** The 1-minute load average. */
  load1: number;
  load5: number;
  load15: number;
  /** Online CPUs, to read the load against. */
  cpus: number;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  /** One per path asked about, in that order (two paths on one filesystem give two equal entries). */
  disks: DiskMetrics[];
}

const SEPARATOR = "@@fp-metrics";
// `df -P` keeps each filesystem on one line; `-B1` counts bytes. The paths come last, as positional arguments.
const SCRIPT = [
  "cat /proc/loadavg",
  `echo ${SEPARATOR}`,
  "cat /proc/meminfo",
  `echo ${SEPARATOR}`,
  "getconf _NPROCESSORS_ONLN",
  `echo ${SEPARATOR}`,
  'df -P -B1 -- "$@"',
].join(" && ");

/**
 * Reads the server's metrics; `paths` are the directories whose filesystems to report (default `/home`, where Forge
 * keeps every site). Takes a session to share one login with other reads, or a target to log in for this alone.
 */
export async function readServerMetrics(
  server: SshSession | SshTarget,
  options: { paths?: readonly string[] } = {},
): Promise<ServerMetrics> {
  const paths = options.paths ?? ["/home"];
  if (paths.length === 0 || paths.some((p) => !p.startsWith("/")))
    throw new Error(`readServerMetrics needs absolute paths, got ${JSON.stringify(paths)}`);
  const read = async (session: SshSession): Promise<ServerMetrics> => {
    const result = await session.execChecked(["sh", "-c", SCRIPT, "sh", ...paths], { timeoutMs: 30_000 });
    return parseServerMetrics(result.stdout, paths);
  };
  return server instanceof SshSession ? read(server) : withSsh(server, read);
}

/** Parses the output of the metrics command; exported for tests of odd `df` lines. */
export function parseServerMetrics(stdout: string, paths: readonly string[]): ServerMetrics {
  const parts = stdout.split(`${SEPARATOR}\n`);
  if (parts.length !== 4) throw new Error(`the server's metrics came back in an unexpected form`);
  const [loadavg = "", meminfo = "", nproc = "", df = ""] = parts;
  const [load1, load5, load15] = loadavg.trim().split(/\s+/).slice(0, 3).map(Number);
  if (![load1, load5, load15].every((n) => Number.isFinite(n)))
    throw new Error(`/proc/loadavg on the server reads ${JSON.stringify(loadavg.trim())}`);
  const memory = parseMeminfo(meminfo);
  const cpus = Number(nproc.trim());
  return {
    load1: load1 as number,
    load5: load5 as number,
    load15: load15 as number,
    cpus: Number.isInteger(cpus) && cpus > 0 ? cpus : 1,
    ...memory,
    disks: parseDf(df, paths),
  };
}

function parseMeminfo(text: string): { memoryTotalBytes: number; memoryUsedBytes: number } {
  const kib = (field: string): number | null => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
    return match ? Number(match[1]) * 1024 : null;
  };
  const total = kib("MemTotal");
  // Kernels before 3.14 have no MemAvailable; free + page cache is what they would have reported.
  const available = kib("MemAvailable") ?? sum(kib("MemFree"), kib("Buffers"), kib("Cached"));
  if (total === null || available === null) throw new Error("/proc/meminfo on the server has no MemTotal/MemAvailable");
  return { memoryTotalBytes: total, memoryUsedBytes: Math.max(0, total - available) };
}

function sum(...values: (number | null)[]): number | null {
  return values.every((v) => v !== null) ? values.reduce<number>((a, b) => a + (b as number), 0) : null;
}

function parseDf(text: string, paths: readonly string[]): DiskMetrics[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const rows = lines.slice(1);
  if (rows.length !== paths.length)
    throw new Error(`df on the server reported ${rows.length} of ${paths.length} paths`);
  return rows.map((line, index) => {
    // Filesystem, 1-blocks, Used, Available, Capacity, Mounted on (which may hold spaces: the rest of the line).
    const match = /^\S+\s+(\d+)\s+\d+\s+(\d+)\s+\S+\s+(.+)$/.exec(line);
    if (!match) throw new Error(`df on the server printed an unexpected line ${JSON.stringify(line)}`);
    return {
      path: paths[index] as string,
      mount: match[3] as string,
      totalBytes: Number(match[1]),
      freeBytes: Number(match[2]),
    };
  });
}
