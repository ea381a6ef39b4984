import * as fc from "fast-check";
import { DATABASE_PASSWORD_LENGTH, generateDatabasePassword } from "../../../../providers/forge-database/password";
import {
  checkForgeDatabaseInputs,
  diffForgeDatabase,
  findOwnershipProblems,
  isPreviewDatabaseUserName,
  prNumberOf,
} from "../../../../providers/forge-database/rules";
import { UNKNOWN_SENTINEL as UNKNOWN } from "../../../../providers/runtime";
import { buildPreviewNames } from "../../../../stacks/naming";

const valid = { serverId: 7, name: "shop_pr_12", userName: "shop_pr12", protectedDatabases: ["shop", "shop_master"] };

describe("preview database user names", () => {
  it.each([
    ["shop_pr12", true],
    ["a_pr1", true],
    ["customerpor_pr99", true],
    ["customerport_pr9", true],
    ["customerportal_pr9", false],
    ["shop", false],
    ["shop_pr_12", false],
    ["shop_pr0", false],
    ["Shop_pr1", false],
    ["1shop_pr1", false],
    ["shop_pr12 ", false],
    ["root", false],
    ["forge", false],
  ])("treats %j as a preview user name: %s", (name, expected) => {
    expect(isPreviewDatabaseUserName(name)).toBe(expected);
  });

  it("accepts every user name stacks/naming.ts builds and reads back its PR number", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/), fc.integer({ min: 1, max: 9_999_999 }), (app, pr) => {
        const names = buildPreviewNames({ app, pr, isDefaultApp: true, previewDomain: "preview.test" });
        expect(isPreviewDatabaseUserName(names.databaseUser)).toBe(true);
        expect(prNumberOf(names.databaseUser, "user")).toBe(pr);
        expect(prNumberOf(names.database, "database")).toBe(pr);
        expect(findOwnershipProblems({ ...valid, name: names.database, userName: names.databaseUser })).toStrictEqual(
          [],
        );
      }),
    );
  });
});

describe("checking ForgeDatabase inputs", () => {
  it("passes valid inputs through unchanged", () => {
    expect(checkForgeDatabaseInputs(valid)).toStrictEqual({ inputs: valid, failures: [] });
  });

  it("defaults a missing protected list to an empty one", () => {
    const { protectedDatabases: _omitted, ...rest } = valid;
    expect(checkForgeDatabaseInputs(rest)).toStrictEqual({ inputs: { ...rest, protectedDatabases: [] }, failures: [] });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "a production name",
      { name: "shop" },
      "name",
      /^`name` must be a preview database name .*not "shop".*production is never a target$/,
    ],
    ["an upper-case name", { name: "Shop_pr_12" }, "name", /not "Shop_pr_12"/],
    ["a non-string name", { name: 12 }, "name", /not 12/],
    [
      "a protected preview-shaped name",
      { name: "shop_pr_12", protectedDatabases: ["shop_pr_12"] },
      "name",
      /^`name` "shop_pr_12" is listed in `protectedDatabases` .*production is never a target$/,
    ],
    [
      "a user name over 16 characters",
      { userName: "customerportal_pr9" },
      "userName",
      /at most 16 characters, not "customerportal_pr9"/,
    ],
    ["a non-preview user name", { userName: "forge" }, "userName", /not "forge"/],
    [
      "a protected user name",
      { userName: "shop_pr12", protectedDatabases: ["shop_pr12"] },
      "userName",
      /is listed in `protectedDatabases`/,
    ],
    [
      "a user of another PR",
      { userName: "shop_pr13" },
      "userName",
      /belongs to another pull request than `name` "shop_pr_12"/,
    ],
    ["a zero server id", { serverId: 0 }, "serverId", /^`serverId` must be the Forge server's id/],
    ["a string server id", { serverId: "7" }, "serverId", /positive whole number/],
    [
      "a protected list of numbers",
      { protectedDatabases: [1] },
      "protectedDatabases",
      /must be a list of database names/,
    ],
    ["a protected list that is a string", { protectedDatabases: "shop" }, "protectedDatabases", /must be a list/],
  ])("refuses %s with a failure naming the field", (_case, change, property, reason) => {
    const { failures } = checkForgeDatabaseInputs({ ...valid, ...change });
    expect(failures).toStrictEqual([{ property, reason: expect.stringMatching(reason) }]);
  });

  it("reports every bad field at once", () => {
    const { failures } = checkForgeDatabaseInputs({
      serverId: -1,
      name: "shop",
      userName: "root",
      protectedDatabases: {},
    });
    expect(failures.map((failure) => failure.property)).toStrictEqual([
      "serverId",
      "name",
      "userName",
      "protectedDatabases",
    ]);
  });

  it("tolerates the preview unknown in any field", () => {
    const news = { serverId: UNKNOWN, name: UNKNOWN, userName: UNKNOWN, protectedDatabases: UNKNOWN };
    expect(checkForgeDatabaseInputs(news)).toStrictEqual({ inputs: news, failures: [] });
    expect(checkForgeDatabaseInputs({ ...valid, protectedDatabases: ["shop", UNKNOWN] }).failures).toStrictEqual([]);
  });

  it("still refuses a known production name while the protected list is unknown", () => {
    const { failures } = checkForgeDatabaseInputs({ ...valid, name: "shop", protectedDatabases: UNKNOWN });
    expect(failures.map((failure) => failure.property)).toStrictEqual(["name"]);
  });
});

describe("diffing ForgeDatabase", () => {
  const olds = { ...valid, databaseId: 3, userId: 4, password: "p", host: "127.0.0.1", port: 3306 };

  it.each<[string, Record<string, unknown>, Record<string, unknown>, ReturnType<typeof diffForgeDatabase>]>([
    ["nothing changed", {}, {}, { changes: false, replaces: [], deleteBeforeReplace: false }],
    [
      "the protected list is reordered",
      { protectedDatabases: ["shop_master", "shop"] },
      {},
      { changes: false, replaces: [], deleteBeforeReplace: false },
    ],
    [
      "the protected list grows",
      { protectedDatabases: ["shop", "shop_master", "shop_old"] },
      {},
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    [
      "the protected list is unknown",
      { protectedDatabases: UNKNOWN },
      {},
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    ["the user went missing", {}, { userId: null }, { changes: true, replaces: [], deleteBeforeReplace: false }],
    [
      "the name changes",
      { name: "shop_pr_13", userName: "shop_pr13" },
      {},
      { changes: true, replaces: ["name", "userName"], deleteBeforeReplace: true },
    ],
    ["the server changes", { serverId: 8 }, {}, { changes: true, replaces: ["serverId"], deleteBeforeReplace: true }],
    ["the name is unknown", { name: UNKNOWN }, {}, { changes: true, replaces: ["name"], deleteBeforeReplace: true }],
  ])("when %s", (_case, newChange, oldChange, expected) => {
    expect(diffForgeDatabase({ ...olds, ...oldChange }, { ...valid, ...newChange })).toStrictEqual(expected);
  });
});

describe("generated database passwords", () => {
  it("are 40 letters and digits, safe unquoted in .env files and shell commands", () => {
    for (let i = 0; i < 200; i++) {
      expect(generateDatabasePassword()).toMatch(/^[A-Za-z0-9]{40}$/);
    }
    expect(DATABASE_PASSWORD_LENGTH).toBeGreaterThanOrEqual(32);
  });

  it("differ on every call and use the whole alphabet", () => {
    const passwords = Array.from({ length: 500 }, () => generateDatabasePassword());
    expect(new Set(passwords).size).toBe(500);
    expect(new Set(passwords.join("")).size).toBe(62);
  });
});
