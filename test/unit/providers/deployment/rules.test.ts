import type { DeploymentInputs, DeploymentOutputs } from "../../../../providers/deployment";
import {
  checkDeploymentInputs,
  deploymentScriptFor,
  diffDeployment,
  needsDeployment,
} from "../../../../providers/deployment/rules";
import { sha256Hex } from "../../../../providers/deployment/script";
import { UNKNOWN_SENTINEL as UNKNOWN } from "../../../../providers/runtime";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98";

const INPUTS: DeploymentInputs = {
  serverId: 1,
  siteId: 1003,
  siteDirectory: "/home/forge/pr-7.example.dev",
  branch: "feature/login",
  commitSha: SHA,
  redeployToken: "",
  phpVersion: "php84",
  extraScriptLines: ["npm ci"],
  redactions: ["db-secret-2"],
};

function outputsFor(inputs: DeploymentInputs, overrides: Partial<DeploymentOutputs> = {}): DeploymentOutputs {
  const { redactions: _redactions, ...rest } = inputs;
  return {
    ...rest,
    deploymentId: 2001,
    status: "finished",
    deployedAt: "2026-01-01T00:00:00.000000Z",
    scriptSha256: sha256Hex(deploymentScriptFor(inputs)),
    ...overrides,
  };
}

describe("checkDeploymentInputs", () => {
  it("accepts complete inputs, lower-casing the commit SHA", () => {
    const result = checkDeploymentInputs({ ...INPUTS, commitSha: SHA.toUpperCase() });

    expect(result.failures).toStrictEqual([]);
    expect(result.inputs).toStrictEqual(INPUTS);
  });

  it("fills in defaults for the optional inputs", () => {
    const { commitSha: _c, redeployToken: _r, extraScriptLines: _e, redactions: _x, ...required } = INPUTS;

    const result = checkDeploymentInputs(required);

    expect(result.failures).toStrictEqual([]);
    expect(result.inputs).toStrictEqual({
      ...required,
      commitSha: null,
      redeployToken: "",
      extraScriptLines: [],
      redactions: [],
    });
  });

  it.each([
    ["serverId", 0, "`serverId` must be the positive integer id Forge gave the server"],
    ["siteId", "1003", "`siteId` must be the positive integer id Forge gave the site"],
    [
      "siteDirectory",
      "home/forge/x",
      "`siteDirectory` must be an absolute path such as `/home/forge/pr-7.example.dev`",
    ],
    [
      "branch",
      "-rf",
      '`branch` starts with `-`, which git would read as an option (got "-rf"); pass the pull request\'s head branch as git names it',
    ],
    [
      "branch",
      "a b",
      '`branch` contains whitespace or one of ~ ^ : ? * [ \\ (got "a b"); pass the pull request\'s head branch as git names it',
    ],
    [
      "commitSha",
      "abc123",
      "`commitSha` must be a full commit id (40 or 64 hex digits), or null to deploy the branch head",
    ],
    [
      "redeployToken",
      7,
      "`redeployToken` must be a string of at most 255 characters; change it to force a new deployment",
    ],
    ["phpVersion", "8.4", expect.stringMatching(/^`phpVersion` must be one of .*php84/)],
    [
      "extraScriptLines",
      ["ok", "two\nlines"],
      "`extraScriptLines[1]` contains a line break; pass each line as its own entry",
    ],
    ["extraScriptLines", "npm ci", "`extraScriptLines` must be a list of strings"],
    ["redactions", [1], "`redactions[0]` must be a string"],
  ])("rejects %s = %j, naming the field", (property, value, reason) => {
    const result = checkDeploymentInputs({ ...INPUTS, [property]: value });

    expect(result.failures).toStrictEqual([{ property, reason }]);
  });

  it("lets preview unknowns through unchecked", () => {
    const news = { ...INPUTS, siteId: UNKNOWN, commitSha: UNKNOWN, redactions: UNKNOWN, extraScriptLines: [UNKNOWN] };

    const result = checkDeploymentInputs(news);

    expect(result.failures).toStrictEqual([]);
    expect(result.inputs).toMatchObject({
      siteId: UNKNOWN,
      commitSha: UNKNOWN,
      redactions: UNKNOWN,
      extraScriptLines: [UNKNOWN],
    });
  });
});

describe("diffDeployment", () => {
  const olds = outputsFor(INPUTS);

  it("reports no change when inputs match a finished deployment", () => {
    expect(diffDeployment(olds, INPUTS)).toStrictEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("ignores the secret inputs, which the outputs do not keep", () => {
    const news = { ...INPUTS, redactions: [] };

    expect(diffDeployment(olds, news).changes).toBe(false);
  });

  it.each<[string, Partial<DeploymentInputs>]>([
    ["a new commit", { commitSha: OTHER_SHA }],
    ["a new redeploy token", { redeployToken: "again-1" }],
    ["another branch", { branch: "feature/other" }],
    ["the branch head instead of a commit", { commitSha: null }],
    ["another PHP version", { phpVersion: "php85" }],
    ["extra script lines", { extraScriptLines: ["npm ci", "npm run build"] }],
    ["another site directory", { siteDirectory: "/home/forge/pr-8.example.dev" }],
  ])("updates in place for %s", (_what, change) => {
    expect(diffDeployment(olds, { ...INPUTS, ...change })).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each<[string, Partial<DeploymentOutputs>]>([
    ["the last deployment failed", { status: "failed" }],
    ["the last deployment timed out while deploying", { status: "deploying" }],
  ])("asks for an update with unchanged inputs when %s", (_what, previous) => {
    expect(diffDeployment(outputsFor(INPUTS, previous), INPUTS).changes).toBe(true);
  });

  it("redeploys when the script this code builds differs from the recorded one", () => {
    expect(diffDeployment({ ...olds, scriptSha256: "0".repeat(64) }, INPUTS).changes).toBe(true);
  });

  it.each(["serverId", "siteId"] as const)("replaces when %s changes", (field) => {
    expect(diffDeployment(olds, { ...INPUTS, [field]: 4242 })).toStrictEqual({
      changes: true,
      replaces: [field],
      deleteBeforeReplace: false,
    });
  });

  it("reports a possible change and a replacement for unknown preview values", () => {
    const news = { ...INPUTS, siteId: UNKNOWN, commitSha: UNKNOWN } as unknown as DeploymentInputs;

    expect(diffDeployment(olds, news)).toStrictEqual({
      changes: true,
      replaces: ["siteId"],
      deleteBeforeReplace: false,
    });
  });
});

describe("needsDeployment", () => {
  const olds = outputsFor(INPUTS);
  const sameScript = olds.scriptSha256;

  it.each<[string, Partial<DeploymentOutputs>, Partial<DeploymentInputs>, string, boolean]>([
    ["nothing changed", {}, {}, sameScript, false],
    ["the last deployment failed", { status: "failed" }, {}, sameScript, true],
    ["the script changed", {}, {}, "f".repeat(64), true],
    ["the commit changed", {}, { commitSha: OTHER_SHA }, sameScript, true],
    ["the redeploy token changed", {}, { redeployToken: "again" }, sameScript, true],
  ])("decides whether to deploy when %s", (_what, previous, change, scriptSha, expected) => {
    expect(needsDeployment({ ...olds, ...previous }, { ...INPUTS, ...change }, scriptSha)).toBe(expected);
  });
});
