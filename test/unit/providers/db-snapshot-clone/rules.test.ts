import { checkDbSnapshotCloneInputs, diffDbSnapshotClone } from "../../../../providers/db-snapshot-clone/rules";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";

const base = {
  app: "shop",
  source: "shop_master",
  target: "shop_pr_12",
  ownerTag: "forge-previews-shop-pr-12",
  protectedDatabases: ["shop", "shop_master"],
};
const checked = checkDbSnapshotCloneInputs(base).inputs as unknown as Record<string, unknown>;

describe("checkDbSnapshotCloneInputs", () => {
  it("fills in the defaults", () => {
    expect(checkDbSnapshotCloneInputs(base)).toStrictEqual({
      inputs: { ...base, method: "auto", postCloneSql: [], resetToken: "", verifyChecksums: true },
      failures: [],
    });
  });

  it.each<[string, Record<string, unknown>, { property: string; reason: string }[]]>([
    [
      "an app name with capitals",
      { app: "Shop" },
      [{ property: "app", reason: "`app` must be 1-20 lower-case letters and digits, starting with a letter" }],
    ],
    [
      "the production database as target",
      { target: "shop" },
      [
        {
          property: "target",
          reason: "`target` database `shop` is not a preview database name `<app>_pr_<n>`, so it is never written",
        },
        {
          property: "target",
          reason:
            "`target` database `shop` is listed in `protectedDatabases` (production or a snapshot master) and is never written",
        },
      ],
    ],
    [
      "another app's PR database",
      { target: "blog_pr_12" },
      [{ property: "target", reason: '`target` "blog_pr_12" is not a PR database of app `shop` (`shop_pr_<n>`)' }],
    ],
    [
      "a system schema as source",
      { source: "mysql" },
      [
        {
          property: "source",
          reason: "`source` database `mysql` is a system schema of the server; name the master database to clone",
        },
      ],
    ],
    [
      "a number as source",
      { source: 7 },
      [{ property: "source", reason: "`source` must be the master database's name" }],
    ],
    [
      "a non-boolean verifyChecksums",
      { verifyChecksums: "yes" },
      [{ property: "verifyChecksums", reason: "`verifyChecksums` must be a boolean" }],
    ],
    [
      "an owner tag with spaces",
      { ownerTag: "my tag" },
      [
        {
          property: "ownerTag",
          reason: "`ownerTag` must be the preview's owner tag (letters, digits, `.`, `_`, `:`, `-`; up to 255)",
        },
      ],
    ],
    [
      "a reset token that is a number",
      { resetToken: 3 },
      [{ property: "resetToken", reason: "`resetToken` must be a string; change it to get a fresh clone" }],
    ],
  ])("refuses %s", (_case, changes, failures) => {
    expect(checkDbSnapshotCloneInputs({ ...base, ...changes }).failures).toStrictEqual(failures);
  });

  it("checks the known name when the other is still unknown in a preview", () => {
    expect(checkDbSnapshotCloneInputs({ ...base, target: UNKNOWN_SENTINEL }).failures).toStrictEqual([]);
    expect(checkDbSnapshotCloneInputs({ ...base, target: UNKNOWN_SENTINEL, source: "sys" }).failures).toStrictEqual([
      {
        property: "source",
        reason: "`source` database `sys` is a system schema of the server; name the master database to clone",
      },
    ]);
    expect(
      checkDbSnapshotCloneInputs({ ...base, source: UNKNOWN_SENTINEL, target: "shop" }).failures.map((f) => f.property),
    ).toStrictEqual(["target", "target"]);
  });
});

describe("diffDbSnapshotClone", () => {
  it.each<[string, Record<string, unknown>, { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }]>([
    ["nothing changed", {}, { changes: false, replaces: [], deleteBeforeReplace: false }],
    [
      "a new reset token",
      { resetToken: "again" },
      { changes: true, replaces: ["resetToken"], deleteBeforeReplace: true },
    ],
    ["another master", { source: "shop_master2" }, { changes: true, replaces: ["source"], deleteBeforeReplace: true }],
    ["another target", { target: "shop_pr_13" }, { changes: true, replaces: ["target"], deleteBeforeReplace: true }],
    ["another method", { method: "stream-dump" }, { changes: true, replaces: [], deleteBeforeReplace: false }],
    [
      "new masking scripts",
      { postCloneSql: ["UPDATE users SET email = NULL"] },
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    ["checksums turned off", { verifyChecksums: false }, { changes: true, replaces: [], deleteBeforeReplace: false }],
    [
      "an unknown reset token",
      { resetToken: UNKNOWN_SENTINEL },
      { changes: true, replaces: ["resetToken"], deleteBeforeReplace: true },
    ],
    [
      "an unknown protected list",
      { protectedDatabases: UNKNOWN_SENTINEL },
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
  ])("%s", (_case, changes, expected) => {
    const olds = { ...checked, methodUsed: "transport", rows: 10, clonedAt: "2025-01-01T00:00:00.000Z" };

    expect(diffDbSnapshotClone(olds, { ...checked, ...changes })).toStrictEqual(expected);
  });
});
