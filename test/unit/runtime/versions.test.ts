import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { goReplaces, goRequires, isLocalReplace } from "./go-mod";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const WRAPPER = path.join(ROOT, "scripts", "pulumi-cli");

function readJson(...segments: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, ...segments), "utf8")) as Record<string, unknown>;
}

const manifest = readJson("package.json") as { dependencies: Record<string, string> };
const pinned = manifest.dependencies["@pulumi/pulumi"];
const goMod = readFileSync(path.join(WRAPPER, "go.mod"), "utf8");

describe("the Pulumi SDK and CLI versions", () => {
  it("pin @pulumi/pulumi to one exact version in package.json", () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("install that version into node_modules and record it in package-lock.json", () => {
    expect(readJson("node_modules", "@pulumi", "pulumi", "package.json").version).toBe(pinned);
    const lock = readJson("package-lock.json") as { packages: Record<string, { version?: string }> };
    expect(lock.packages["node_modules/@pulumi/pulumi"]?.version).toBe(pinned);
  });

  it("build the CLI from pkg/v3 and sdk/v3 at the same version", () => {
    const requires = goRequires(goMod);
    expect({
      pkg: requires.get("github.com/pulumi/pulumi/pkg/v3"),
      sdk: requires.get("github.com/pulumi/pulumi/sdk/v3"),
    }).toEqual({ pkg: `v${pinned}`, sdk: `v${pinned}` });
  });

  it("mirror every replace directive of pkg/v3's own go.mod that points at another module", () => {
    // `go list -m` reads pkg/v3's go.mod at the version the wrapper requires (fetching only that file if the module
    // cache lacks it). Its replacements with a local path are for Pulumi's own repository layout and do not apply.
    const listed = JSON.parse(
      execFileSync("go", ["list", "-m", "-json", "github.com/pulumi/pulumi/pkg/v3"], {
        cwd: WRAPPER,
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
      }),
    ) as { Version: string; GoMod: string };
    expect(listed.Version).toBe(`v${pinned}`);
    const upstream = goReplaces(readFileSync(listed.GoMod, "utf8")).filter((r) => !isLocalReplace(r));
    expect(goReplaces(goMod)).toEqual(expect.arrayContaining(upstream));
  });
});

describe("reading go.mod", () => {
  const sample = [
    "module example",
    "",
    "replace github.com/pulumi/pulumi/sdk/v3 => ../sdk",
    "replace (",
    "\tgithub.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-2024 // a fork",
    ")",
    "require github.com/pulumi/pulumi/sdk/v3 v3.1.0",
    "require (",
    "\tgithub.com/pulumi/pulumi/pkg/v3 v3.1.0 // indirect",
    ")",
  ].join("\n");

  it("finds requires in both forms, indirect ones included", () => {
    expect([...goRequires(sample)]).toEqual([
      ["github.com/pulumi/pulumi/sdk/v3", "v3.1.0"],
      ["github.com/pulumi/pulumi/pkg/v3", "v3.1.0"],
    ]);
  });

  it("tells a module replacement from a local one", () => {
    expect(goReplaces(sample).map((r) => [r.module, r.target, isLocalReplace(r)])).toEqual([
      ["github.com/pulumi/pulumi/sdk/v3", "../sdk", true],
      ["github.com/atotto/clipboard", "github.com/tgummerer/clipboard v0.0.0-2024", false],
    ]);
  });
});
