/** The master's tablespace files, the raw-copy yardstick, and the OS page cache, for bench/db-clone.ts. */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Tablespaces {
  paths: string[];
  bytes: number;
}

/** The `.ibd` files of one database in the data dir (the bench runs as the server's user, on the server). */
export function tablespacesOf(dataDir: string, database: string): Tablespaces {
  const dir = join(dataDir, database);
  const paths = readdirSync(dir)
    .filter((f) => f.endsWith(".ibd"))
    .map((f) => join(dir, f));
  if (paths.length === 0) throw new Error(`${dir} holds no .ibd files; is innodb_file_per_table on?`);
  return { paths, bytes: paths.reduce((sum, p) => sum + statSync(p).size, 0) };
}

/**
 * Writes dirty pages out, then asks the kernel to drop its clean page cache. A container may refuse the write to
 * /proc/sys/vm/drop_caches (read-only /proc/sys); the result says so instead of pretending the cache is cold.
 */
export async function dropPageCache(): Promise<{ dropped: boolean; detail: string }> {
  await run("sync");
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3");
    return { dropped: true, detail: "dropped before each timed run (sync; echo 3 > /proc/sys/vm/drop_caches)" };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      dropped: false,
      detail: `could not be dropped (${String(code ?? error)}): runs read the master from a warm page cache`,
    };
  }
}

/** `cp` of the given files into a fresh directory plus `sync`, timed, then removed: the physical lower bound. */
export async function timeRawCopy(files: Tablespaces, scratchDir: string): Promise<number> {
  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  try {
    const start = process.hrtime.bigint();
    await run("cp", [...files.paths, scratchDir]);
    await run("sync");
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}
