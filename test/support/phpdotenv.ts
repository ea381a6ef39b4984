/** Parses .env text with the real vlucas/phpdotenv (Debian's php-vlucas-phpdotenv), the parser Laravel uses. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const AUTOLOAD = "/usr/share/php/Dotenv/autoload.php";
const SCRIPT = `<?php
require '${AUTOLOAD}';
$dotenv = Dotenv\\Dotenv::createArrayBacked($argv[1]);
try { echo json_encode(['ok' => (object) $dotenv->load()]); }
catch (Throwable $e) { echo json_encode(['error' => $e->getMessage()]); }
`;

export function parseWithPhpdotenv(text: string): { ok: Record<string, string> } | { error: string } {
  if (!fs.existsSync(AUTOLOAD)) {
    throw new Error(
      "vlucas/phpdotenv is missing: install the Debian packages php-cli and php-vlucas-phpdotenv (scripts/setup.sh does).",
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phpdotenv-"));
  try {
    fs.writeFileSync(path.join(dir, ".env"), text);
    fs.writeFileSync(path.join(dir, "parse.php"), SCRIPT);
    return JSON.parse(execFileSync("php", [path.join(dir, "parse.php"), dir], { encoding: "utf8" }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
