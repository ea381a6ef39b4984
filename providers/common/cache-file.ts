/**
 * The files of the start-up caches in `.cache/` (transpiled sources, serialized shims): read when present, written
 * whole or not at all. A cache only saves time, so a file that cannot be read or written is simply a miss.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The file's text, or undefined when there is none to read. */
export function readCacheFile(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file, so a concurrent reader (the program and a host) never sees half of it. */
export function writeCacheFile(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch {
    // A read-only checkout only loses the speed-up.
  }
}
