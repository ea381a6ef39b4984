import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";
import {
  type PreflightOutputs,
  checkPreflightInputs,
  diffPreflight,
  formatAge,
  formatPreflightFailure,
} from "../../../../providers/preflight/rules";
import { PREFLIGHT_INPUTS } from "../../../support/samples";

const VALID = { ...PREFLIGHT_INPUTS, stack: "pr-7", targetDatabase: "shop_pr_7" };
const OUTPUTS: PreflightOutputs = {
  ...VALID,
  checkedAt: "2026-12-01T00:00:00.000Z",
  serverName: "web",
  masterSealedAt: null,
  masterDataAsOf: null,
  redisSlot: 2,
};

describe("checkPreflightInputs", () => {
  it("accepts a preview's settings as they are", () => {
    expect(checkPreflightInputs(VALID)).toStrictEqual({ inputs: VALID, failures: [] });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a missing stack", { stack: undefined }, "`stack` must be a non-empty string"],
    [
      "a master that is not a MySQL name",
      { masterDatabase: "shop-master" },
      "`masterDatabase` must be a MySQL database name",
    ],
    ["a port out of range", { sshPort: 70000 }, "`sshPort` must be a whole number from 1 to 65535"],
    ["a range that ends before it starts", { firstSlot: 9, lastSlot: 3 }, "`lastSlot` must not be below `firstSlot`"],
  ])("refuses %s, naming the input", (_case, change, reason) => {
    const { failures } = checkPreflightInputs({ ...VALID, ...change });
    expect(failures.map((f) => f.reason)).toStrictEqual([expect.stringContaining(reason)]);
  });

  it("lets an unknown value through in preview", () => {
    expect(checkPreflightInputs({ ...VALID, targetDatabase: UNKNOWN_SENTINEL }).failures).toStrictEqual([]);
  });
});

describe("diffPreflight", () => {
  it("reports no change when every checked setting is the same, so a no-change `up` runs no check", () => {
    expect(diffPreflight(OUTPUTS, VALID)).toStrictEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it.each([
    ["sshHostKeyFingerprint", "SHA256:" + "B".repeat(43)],
    ["masterDatabase", "shop_master2"],
    ["lastSlot", 13],
  ])("runs the checks again in place when %s changes", (field, value) => {
    expect(diffPreflight(OUTPUTS, { ...VALID, [field]: value })).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("formatAge and formatPreflightFailure", () => {
  it.each([
    ["2026-12-01T11:48:00Z", "12 min"],
    ["2026-12-01T07:00:00Z", "5 h"],
    ["2026-11-28T08:00:00Z", "3 d 4 h"],
  ])("reads the age since %s as %s", (from, age) => {
    expect(formatAge(from, new Date("2026-12-01T12:00:00Z"))).toBe(age);
  });

  it("names every failed check with its fix and says nothing was created", () => {
    expect(
      formatPreflightFailure("pr-7", [
        { check: "ssh host key", problem: "does not match", fix: "compare it" },
        { check: "master database", problem: "`m` does not exist", fix: "run the snapshots stack" },
      ]),
    ).toBe(
      "Preflight of stack pr-7 failed (2 problems); nothing was created or changed:\n" +
        "  - ssh host key: does not match\n    fix: compare it\n" +
        "  - master database: `m` does not exist\n    fix: run the snapshots stack",
    );
  });
});
