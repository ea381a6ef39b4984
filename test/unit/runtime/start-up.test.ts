import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { create } from "ts-node";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");

describe("the program under Pulumi's Node.js runtime", () => {
  it("loads a source with a type error, leaving type-checking to `npm run typecheck`", () => {
    // The ts-node options @pulumi/pulumi/cmd/run registers for a TypeScript program (run.js): `transpileOnly` is the
    // tsconfig's `noCheck` unless PULUMI_NODEJS_TRANSPILE_ONLY is set, and ts-node then takes tsconfig.json's own
    // "ts-node" options for whatever the runtime leaves undefined.
    const { compilerOptions } = JSON.parse(fs.readFileSync(TSCONFIG, "utf8")) as {
      compilerOptions: { noCheck?: boolean };
    };
    const service = create({
      cwd: ROOT,
      project: TSCONFIG,
      skipProject: false,
      transpileOnly: compilerOptions.noCheck,
      compilerOptions: {},
    });
    const source = "const port: number = '3306';\nexport { port };\n";
    expect(service.compile(source, path.join(ROOT, "start-up-probe.ts"))).toContain("const port = '3306'");
  });
});

// Two ways the project's TypeScript loads from `.cache/transpiled`: the program's (ts-node, wrapped by the transpile
// cache) and a dynamic-provider host's (the host loader, which loads TypeScript only for a changed source).
describe.each([
  {
    loader: "the transpile cache (providers/transpile-cache.ts)",
    file: "transpile-cache.ts",
    imports: ["common/cache-file.ts"],
    start: [
      'require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });',
      'require("./providers/transpile-cache");',
    ],
  },
  {
    loader: "the host loader (providers/host-loader.js)",
    file: "host-loader.js",
    imports: [],
    start: ['require("./providers/host-loader").install();'],
  },
])("$loader", ({ file, imports, start }) => {
  // A project of its own: the cache keeps entries in <project>/.cache/transpiled, and only for files in the project.
  const project = fs.mkdtempSync(path.join(tmpdir(), "transpile-cache-"));
  const entries = path.join(project, ".cache", "transpiled");
  const greeting = path.join(project, "greeting.ts");
  const source = (value: number): string =>
    [
      "interface Shape {",
      "  value: number;",
      "}",
      `export const value: Shape["value"] = ${value};`,
      "export function fail(): never {",
      "  throw new Error('failed on purpose');",
      "}",
      "",
    ].join("\n");
  const THROW_LINE = 6;

  beforeAll(() => {
    for (const copied of [file, ...imports]) {
      fs.mkdirSync(path.dirname(path.join(project, "providers", copied)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, "providers", copied), path.join(project, "providers", copied));
    }
    fs.copyFileSync(TSCONFIG, path.join(project, "tsconfig.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
    fs.writeFileSync(
      path.join(project, "host.js"),
      [
        ...start,
        'const greeting = require("./greeting");',
        "let stack = '';",
        "try { greeting.fail(); } catch (error) { stack = error.stack; }",
        "const compiler = Object.keys(require.cache).some((file) => file.includes('/node_modules/typescript/lib/'));",
        "process.stdout.write(JSON.stringify({ value: greeting.value, stack, compiler }));",
      ].join("\n"),
    );
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  const load = (): { value: number; stack: string; compiler: boolean } =>
    JSON.parse(execFileSync(process.execPath, ["host.js"], { cwd: project, encoding: "utf8" })) as {
      value: number;
      stack: string;
      compiler: boolean;
    };
  const greetingEntry = (): string => {
    const names = fs
      .readdirSync(entries)
      .filter((name) => fs.readFileSync(path.join(entries, name), "utf8").includes("failed on purpose"));
    expect(names).toHaveLength(1);
    return path.join(entries, names[0]!);
  };

  it("runs the stored output of a source that has not changed", () => {
    fs.writeFileSync(greeting, source(1));
    expect(load().value).toBe(1);
    const entry = greetingEntry();
    // Marks the stored output: only a load that used it, rather than transpiling again, can answer 42.
    fs.writeFileSync(entry, fs.readFileSync(entry, "utf8").replace("exports.value = 1;", "exports.value = 42;"));
    expect(load().value).toBe(42);
  });

  it("transpiles a source again when any byte of it changed", () => {
    fs.writeFileSync(greeting, source(3));
    expect(load().value).toBe(3);
    expect(load().value).toBe(3);
  });

  it("maps a stack trace through a stored output back to the TypeScript line", () => {
    fs.writeFileSync(greeting, source(5));
    load();
    expect(load().stack).toContain(`${greeting}:${THROW_LINE}:`);
  });

  if (file === "host-loader.js") {
    it("loads TypeScript only for a source it has no output for", () => {
      fs.writeFileSync(greeting, source(7));
      expect(load().compiler).toBe(true);
      expect(load()).toMatchObject({ value: 7, compiler: false });
    });
  }
});
