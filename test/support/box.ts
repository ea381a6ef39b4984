import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boxUnavailable } from "../../tools/box/services";

const SKIP_REASON = boxUnavailable();

/** `describe` for suites that need the box (root and its packages); skipped elsewhere with the reason in its title. */
export function describeBox(title: string, body: () => void): void {
  if (SKIP_REASON === null) describe(title, body);
  else describe.skip(`${title} (skipped: ${SKIP_REASON})`, body);
}

/** A new temp dir the box's site users can pass through (mkdtemp makes it 0700). */
export function boxTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}
