/**
 * Keeps ts-node's output for the project's own `.ts` files in `.cache/transpiled/`, so a `pulumi up` and each
 * dynamic-provider host start without transpiling the same unchanged sources again (about a second each on a loaded
 * two-core machine). The program (`index.ts`) imports this first, and so does the host entry (`provider-kit.js`) in a
 * host where ts-node is already registered; it changes nothing where ts-node is not (jest, compiled `.js`). A host
 * without ts-node uses `host-loader.js`, which serves its own entries without loading TypeScript.
 *
 * An entry is the output for one file under one ts-node setup (TypeScript version and compiler options), headed by
 * the hash of the source it came from. A source that differs in any byte misses and goes through ts-node again, so
 * what runs is always the checkout's code. Type-checking is `npm run typecheck`'s job, not the runtime's.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { readCacheFile, writeCacheFile } from "./common/cache-file";

type Loader = (module: NodeJS.Module, filename: string) => void;
type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): unknown };

interface TsNodeService {
  ts: { version: string };
  config: { options: Record<string, unknown> };
}

const PROJECT_ROOT = path.resolve(__dirname, "..");
export const TRANSPILE_CACHE_DIR = path.join(PROJECT_ROOT, ".cache", "transpiled");
const INSTALLED = Symbol.for("forge-previews.transpile-cache");
const HEADER = "//source-sha256:";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

function isProjectSource(filename: string): boolean {
  return filename.startsWith(PROJECT_ROOT + path.sep) && !filename.includes(`${path.sep}node_modules${path.sep}`);
}

/** Reads an entry's code when it was made from exactly `source`. */
function readEntry(entry: string, sourceHash: string): string | undefined {
  const text = readCacheFile(entry);
  if (text === undefined) return undefined;
  const newline = text.indexOf("\n");
  return text.slice(0, newline) === HEADER + sourceHash ? text.slice(newline + 1) : undefined;
}

function writeEntry(entry: string, sourceHash: string, code: string): void {
  writeCacheFile(entry, `${HEADER}${sourceHash}\n${code}`);
}

/**
 * Source maps of files served from the cache: ts-node maps only what it compiled itself, so stack traces through a
 * cached file would otherwise point into the generated JavaScript.
 */
function mapCachedFiles(cached: Map<string, string>): void {
  const sourceMapSupport = require(
    require.resolve("@cspotcode/source-map-support", { paths: [require.resolve("ts-node")] }),
  ) as { install(options: { retrieveFile(file: string): string | null }): void };
  sourceMapSupport.install({ retrieveFile: (file) => cached.get(file) ?? null });
}

function install(): void {
  const registry = process as unknown as Record<symbol, unknown>;
  const service = registry[Symbol.for("ts-node.register.instance")] as TsNodeService | undefined;
  if (service === undefined || registry[INSTALLED]) return;
  const tsNode = require.extensions[".ts"] as Loader | undefined;
  if (tsNode === undefined) return;
  registry[INSTALLED] = true;

  // Without the paths of the tsconfig.json that ts-node found: a linked copy of the project (the sandbox, the bench,
  // the engine tests) emits the same code for the same files.
  const { configFilePath: _config, outDir: _outDir, ...options } = service.config.options;
  const setup = sha256(JSON.stringify({ typescript: service.ts.version, options }));
  const cached = new Map<string, string>();
  mapCachedFiles(cached);

  require.extensions[".ts"] = (module, filename) => {
    if (!isProjectSource(filename)) return tsNode(module, filename);
    const sourceHash = sha256(readFileSync(filename, "utf8"));
    const entry = path.join(TRANSPILE_CACHE_DIR, `${sha256(`${setup}\n${filename}`)}.js`);
    const target = module as CompilingModule;
    const code = readEntry(entry, sourceHash);
    if (code !== undefined) {
      cached.set(filename, code);
      target._compile(code, filename);
      return;
    }
    // ts-node wraps `_compile` and hands it the transpiled code: keep that code on its way through.
    const compile = target._compile;
    target._compile = function (this: CompilingModule, output: string, file: string) {
      writeEntry(entry, sourceHash, output);
      return compile.call(this, output, file);
    };
    tsNode(module, filename);
  };
}

install();
