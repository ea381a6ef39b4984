import {
  type BasicAuthOutputs,
  checkBasicAuthInputs,
  decideAdoption,
  diffBasicAuth,
  generatePassword,
  resolvePassword,
} from "../../../../providers/basic-auth/rules";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";

const SHARED = "shared-pass-from-config";

function outputs(overrides: Partial<BasicAuthOutputs> = {}): BasicAuthOutputs {
  return {
    serverId: 1,
    siteId: 5,
    name: "forge-previews",
    username: "preview",
    ruleId: 40,
    password: "generated-earlier",
    passwordGenerated: true,
    ...overrides,
  };
}

describe("checkBasicAuthInputs", () => {
  const valid = { serverId: 1, siteId: 5, name: "forge-previews", username: "preview", password: SHARED };

  it.each([
    ["a shared password", valid],
    ["a null password", { ...valid, password: null }],
    ["a 50-character username", { ...valid, username: "u".repeat(50) }],
    ["a 255-character name", { ...valid, name: "n".repeat(255) }],
  ])("accepts %s", (_case, news) => expect(checkBasicAuthInputs(news)).toStrictEqual({ inputs: news, failures: [] }));

  it("treats a missing password as null, meaning generate one", () => {
    const { password: _password, ...withoutPassword } = valid;

    expect(checkBasicAuthInputs(withoutPassword).inputs.password).toBeNull();
  });

  it.each([
    ["serverId", { serverId: -1 }, "`serverId` must be a positive integer (the Forge server's id)"],
    ["siteId", { siteId: "5" }, "`siteId` must be a positive integer (the Forge site's id)"],
    ["name", { name: "" }, "`name` must be 1-255 characters without line breaks (the security rule's name in Forge)"],
    [
      "name",
      { name: "n".repeat(256) },
      "`name` must be 1-255 characters without line breaks (the security rule's name in Forge)",
    ],
    [
      "name",
      { name: "two\nlines" },
      "`name` must be 1-255 characters without line breaks (the security rule's name in Forge)",
    ],
    ["username", { username: "u".repeat(51) }, "`username` must be 1-50 characters (Forge's limit)"],
    ["username", { username: "" }, "`username` must be 1-50 characters (Forge's limit)"],
    [
      "username",
      { username: "user:name" },
      "`username` cannot contain `:` or control characters: HTTP basic auth splits on the first `:`",
    ],
    [
      "password",
      { password: "" },
      "`password` must be a non-empty string, or null to generate one for this environment",
    ],
    [
      "password",
      { password: 1234 },
      "`password` must be a non-empty string, or null to generate one for this environment",
    ],
    ["password", { password: "line\nbreak" }, "`password` cannot contain control characters (line breaks, tabs)"],
  ])("refuses a bad %s with a reason naming it", (property, change, reason) =>
    expect(checkBasicAuthInputs({ ...valid, ...change }).failures).toStrictEqual([{ property, reason }]),
  );

  it("never quotes the password in a failure", () => {
    const { failures } = checkBasicAuthInputs({ ...valid, password: "secret\twith-tab" });

    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures)).not.toContain("secret");
  });

  it("tolerates unknown preview values", () => {
    const unknown = {
      serverId: UNKNOWN_SENTINEL,
      siteId: UNKNOWN_SENTINEL,
      name: UNKNOWN_SENTINEL,
      username: UNKNOWN_SENTINEL,
      password: UNKNOWN_SENTINEL,
    };

    expect(checkBasicAuthInputs(unknown).failures).toStrictEqual([]);
  });
});

describe("resolvePassword", () => {
  const generate = (): string => "freshly-generated";

  it.each([
    ["config gives a shared one", SHARED, null, { password: SHARED, passwordGenerated: false }],
    ["config replaces a generated one", SHARED, outputs(), { password: SHARED, passwordGenerated: false }],
    ["first create generates one", null, null, { password: "freshly-generated", passwordGenerated: true }],
    ["an update keeps the generated one", null, outputs(), { password: "generated-earlier", passwordGenerated: true }],
    [
      "switching from shared to generated makes a fresh one",
      null,
      outputs({ password: SHARED, passwordGenerated: false }),
      { password: "freshly-generated", passwordGenerated: true },
    ],
  ])("when %s", (_case, password, previous, expected) =>
    expect(resolvePassword(password, previous, generate)).toStrictEqual(expected),
  );

  it("generates 24 URL-safe characters, different every time", () => {
    const first = generatePassword();

    expect(first).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(first);
  });
});

describe("diffBasicAuth", () => {
  const news = { serverId: 1, siteId: 5, name: "forge-previews", username: "preview", password: null };
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };
  const inPlace = { changes: true, replaces: [], deleteBeforeReplace: false };
  /** A replacement because of `field`, the old one deleted first. */
  const replacedFor = (field: string) => ({ changes: true, replaces: [field], deleteBeforeReplace: true });

  it.each([
    ["nothing changed with a generated password", outputs(), news, none],
    [
      "nothing changed with a shared password",
      outputs({ password: SHARED, passwordGenerated: false }),
      { ...news, password: SHARED },
      none,
    ],
    ["the username changed", outputs(), { ...news, username: "other" }, inPlace],
    ["the name changed", outputs(), { ...news, name: "renamed" }, inPlace],
    ["a shared password replaces a generated one", outputs(), { ...news, password: SHARED }, inPlace],
    [
      "the shared password changed",
      outputs({ password: SHARED, passwordGenerated: false }),
      { ...news, password: "new-shared" },
      inPlace,
    ],
    [
      "a shared password gives way to a generated one",
      outputs({ password: SHARED, passwordGenerated: false }),
      news,
      inPlace,
    ],
    ["the password is unknown", outputs(), { ...news, password: UNKNOWN_SENTINEL }, inPlace],
    ["the site changed", outputs(), { ...news, siteId: 6 }, replacedFor("siteId")],
    [
      "the server is unknown",
      outputs(),
      { ...news, serverId: UNKNOWN_SENTINEL as unknown as number },
      replacedFor("serverId"),
    ],
  ])("when %s", (_case, olds, inputs, expected) => expect(diffBasicAuth(olds, inputs)).toStrictEqual(expected));
});

describe("decideAdoption", () => {
  const site = "site 5 on server 1";

  it("creates when the site has no rules", () => {
    expect(decideAdoption([], "forge-previews", site)).toStrictEqual({ kind: "create" });
  });

  it("adopts the rule carrying its name, even one limited to a path", () => {
    const own = { id: 3, name: "forge-previews", path: "/admin" };

    expect(decideAdoption([{ id: 2, name: "staff", path: "/nova" }, own], "forge-previews", site)).toStrictEqual({
      kind: "adopt",
      rule: own,
    });
  });

  it("leaves other rules that protect only a path alone", () => {
    expect(decideAdoption([{ id: 2, name: "staff", path: "/nova" }], "forge-previews", site)).toStrictEqual({
      kind: "create",
    });
  });

  it("does not adopt a rule whose name only contains its own", () => {
    expect(decideAdoption([{ id: 2, name: "forge-previews-old", path: "/x" }], "forge-previews", site)).toStrictEqual({
      kind: "create",
    });
  });

  it.each([null, "", "/"])("refuses when someone else's rule already covers the whole site (path %p)", (path) => {
    expect(decideAdoption([{ id: 2, name: "Staff only", path }], "forge-previews", site)).toStrictEqual({
      kind: "refuse",
      reason:
        'site 5 on server 1 already has a whole-site security rule "Staff only" (id 2) that this stack did not create: ' +
        'its name is not "forge-previews". Remove it in Forge (the site\'s Security tab), or give this resource that ' +
        "name to take it over.",
    });
  });
});
