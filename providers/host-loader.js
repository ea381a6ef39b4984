/**
 * Runs the project's TypeScript in a dynamic-provider host without loading TypeScript itself: each `.ts` file runs
 * from its transpiled output in `.cache/transpiled/`, headed by the hash of the source it came from, and only a source
 * that is new or changed in any byte loads the compiler. So what runs is always the checkout's code, and a host whose
 * sources did not change starts without the compiler (ts-node would load it whole: a fifth of a second of each start).
 *
 * Plain JavaScript, because it runs before anything can compile TypeScript. The output is TypeScript's
 * `transpileModule` under tsconfig.json's compiler options, as CommonJS with an inline source map that stack traces
 * are mapped through. Type-checking is `npm run typecheck`'s job, as it is for the program.
 */
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(PROJECT_ROOT, ".cache", "transpiled");
const TSCONFIG = path.join(PROJECT_ROOT, "tsconfig.json");
const HEADER = "//source-sha256:";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** An entry's code when it was made from exactly the source hashed `sourceHash`. */
function readEntry(entry, sourceHash) {
  let text;
  try {
    text = fs.readFileSync(entry, "utf8");
  } catch {
    return undefined;
  }
  const newline = text.indexOf("\n");
  return text.slice(0, newline) === HEADER + sourceHash ? text.slice(newline + 1) : undefined;
}

/** Through a temporary file, so a concurrent host never reads half an entry. */
function writeEntry(entry, sourceHash, code) {
  try {
    fs.mkdirSync(path.dirname(entry), { recursive: true });
    const temporary = `${entry}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${HEADER}${sourceHash}\n${code}`);
    fs.renameSync(temporary, entry);
  } catch {
    // A read-only checkout only loses the speed-up.
  }
}

/** Transpiles one file, loading TypeScript and reading tsconfig.json on the first call only. */
function createTranspiler() {
  let ts;
  let compilerOptions;
  return (source, filename) => {
    if (ts === undefined) {
      ts = require("typescript");
      const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
      if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
      compilerOptions = {
        ...ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_ROOT).options,
        module: ts.ModuleKind.CommonJS,
        sourceMap: false,
        inlineSourceMap: true,
        declaration: false,
        noEmit: false,
      };
    }
    return ts.transpileModule(source, { fileName: filename, compilerOptions }).outputText;
  };
}

/**
 * Handles `.ts` in this process, unless something (ts-node) already does. Entries are keyed by this loader's code,
 * TypeScript's version and tsconfig.json besides the file's path, so a change to any of them transpiles afresh.
 */
function install() {
  if (require.extensions[".ts"] !== undefined) return;
  const setup = sha256(
    JSON.stringify({
      loader: fs.readFileSync(__filename, "utf8"),
      typescript: require("typescript/package.json").version,
      tsconfig: fs.readFileSync(TSCONFIG, "utf8"),
    }),
  );
  const transpile = createTranspiler();
  const served = new Map();
  // Lazily, when a stack trace is formatted: the map of a served file is in the code it was compiled from.
  const sourceMapSupport = require.resolve("@cspotcode/source-map-support", { paths: [require.resolve("ts-node")] });
  require(sourceMapSupport).install({ retrieveFile: (file) => served.get(file) ?? null });

  require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const sourceHash = sha256(source);
    const entry = path.join(CACHE_DIR, `${sha256(`${setup}\n${filename}`)}.js`);
    let code = readEntry(entry, sourceHash);
    if (code === undefined) {
      code = transpile(source, filename);
      writeEntry(entry, sourceHash, code);
    }
    served.set(filename, code);
    module._compile(code, filename);
  };
}

module.exports = { install };
