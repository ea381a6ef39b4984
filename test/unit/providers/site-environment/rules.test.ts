import { parseDotenv } from "../../../../providers/common/dotenv";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";
import {
  type SiteEnvironmentOutputs,
  checkSiteEnvironmentInputs,
  countPendingKeys,
  diffSiteEnvironment,
  generateAppKey,
  isLaravelAppKey,
  keysNoLongerManaged,
  managedKeysFor,
  observeManagedKeys,
  resolveAppKey,
  sha256Hex,
} from "../../../../providers/site-environment/rules";

const KEY_A = `base64:${Buffer.alloc(32, 1).toString("base64")}`;
const KEY_B = `base64:${Buffer.alloc(32, 2).toString("base64")}`;

const baseValues = { APP_NAME: "Shop PR 7", DB_PASSWORD: "s3cret-db-pass", MAIL_MAILER: "log" };

function outputs(overrides: Partial<SiteEnvironmentOutputs> = {}): SiteEnvironmentOutputs {
  return {
    serverId: 1,
    siteId: 5,
    values: baseValues,
    managedKeys: managedKeysFor(baseValues),
    appKey: KEY_A,
    contentSha256: "0".repeat(64),
    ...overrides,
  };
}

describe("checkSiteEnvironmentInputs", () => {
  const valid = { serverId: 1, siteId: 5, values: baseValues };

  it("accepts valid inputs and passes them through", () => {
    expect(checkSiteEnvironmentInputs(valid)).toStrictEqual({ inputs: valid, failures: [] });
  });

  it.each([
    ["serverId", { serverId: 0 }, "`serverId` must be a positive integer (the Forge server's id)"],
    ["serverId", { serverId: "1" }, "`serverId` must be a positive integer (the Forge server's id)"],
    ["siteId", { siteId: 1.5 }, "`siteId` must be a positive integer (the Forge site's id)"],
    ["values", { values: ["A=1"] }, "`values` must be an object of .env keys to string values"],
    ["values", { values: null }, "`values` must be an object of .env keys to string values"],
    [
      "values",
      { values: { ...baseValues, "BAD KEY": "x" } },
      '`values` key starting "BAD" is not a valid .env key: use letters, digits, `_` and `.`, starting with a letter or `_`',
    ],
    [
      "values",
      { values: { ...baseValues, "1ST": "x" } },
      '`values` key "1ST" is not a valid .env key: use letters, digits, `_` and `.`, starting with a letter or `_`',
    ],
    ["values", { values: { ...baseValues, PORT: 80 } }, "`values.PORT` must be a string"],
    [
      "values",
      { values: { ...baseValues, NUL: "a\0b" } },
      "`values.NUL` contains a NUL character, which a .env file cannot hold",
    ],
    [
      "values",
      { values: { ...baseValues, MAIL_MAILER: "smtp" } },
      "`values.MAIL_MAILER` must be `log` or `array`: a preview holds a copy of production data and must never e-mail real customers",
    ],
    [
      "values",
      { values: { APP_NAME: "Shop" } },
      "`values.MAIL_MAILER` must be set to `log` or `array`, or the site keeps whatever mailer its .env has",
    ],
    [
      "values",
      { values: { ...baseValues, APP_KEY: "base64:tooShort" } },
      "`values.APP_KEY` is not a Laravel encryption key: use `base64:` followed by 32 random bytes in base64 " +
        "(`php artisan key:generate --show`), or leave it out and one is generated for this environment",
    ],
  ])("refuses a bad %s with a reason naming it", (property, change, reason) => {
    expect(checkSiteEnvironmentInputs({ ...valid, ...change }).failures).toStrictEqual([{ property, reason }]);
  });

  it.each([
    ["STRIPE_SECRET", "sk_live_51HxYzAbCdEfGh", "a live Stripe secret key"],
    ["AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"],
    ["SLACK_TOKEN", "xoxb-123456789012-abcdefghij", "a Slack bot or user token"],
  ])("refuses a live credential in %s, naming the key and the kind but never the value", (key, value, kind) => {
    const { failures } = checkSiteEnvironmentInputs({ ...valid, values: { ...baseValues, [key]: value } });

    expect(failures).toStrictEqual([
      {
        property: "values",
        reason: `\`values.${key}\` looks like ${kind}; a preview runs production data with the pull request's code, so give it a test-mode credential instead`,
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain(value);
  });

  it.each(["log", "array"])("accepts MAIL_MAILER=%s", (mailer) => {
    expect(
      checkSiteEnvironmentInputs({ ...valid, values: { ...baseValues, MAIL_MAILER: mailer } }).failures,
    ).toStrictEqual([]);
  });

  it("accepts a valid APP_KEY given in values", () => {
    expect(checkSiteEnvironmentInputs({ ...valid, values: { ...baseValues, APP_KEY: KEY_A } }).failures).toStrictEqual(
      [],
    );
  });

  it("tolerates unknown preview values everywhere without reporting them", () => {
    const unknownEverywhere = { serverId: UNKNOWN_SENTINEL, siteId: UNKNOWN_SENTINEL, values: UNKNOWN_SENTINEL };
    const unknownValue = {
      ...valid,
      values: { ...baseValues, MAIL_MAILER: UNKNOWN_SENTINEL, DB_PASSWORD: UNKNOWN_SENTINEL },
    };

    expect(checkSiteEnvironmentInputs(unknownEverywhere).failures).toStrictEqual([]);
    expect(checkSiteEnvironmentInputs(unknownValue).failures).toStrictEqual([]);
  });

  it("drops properties it does not know", () => {
    expect(checkSiteEnvironmentInputs({ ...valid, extra: true }).inputs).toStrictEqual(valid);
  });
});

describe("isLaravelAppKey", () => {
  it.each([
    [KEY_A, true],
    [`base64:${Buffer.alloc(16).toString("base64")}`, true],
    ["a".repeat(32), true],
    ["a".repeat(16), true],
    [`base64:${Buffer.alloc(24).toString("base64")}`, false],
    ["base64:not base64!!", false],
    ["a".repeat(31), false],
    ["", false],
  ])("says %p is %p", (key, expected) => {
    expect(isLaravelAppKey(key)).toBe(expected);
  });

  it("accepts what generateAppKey makes, and never makes the same key twice", () => {
    const first = generateAppKey();
    const second = generateAppKey();

    expect(isLaravelAppKey(first)).toBe(true);
    expect(first).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
    expect(second).not.toBe(first);
  });
});

describe("resolveAppKey", () => {
  const generate = (): string => KEY_B;

  it.each([
    ["values sets it", { ...baseValues, APP_KEY: KEY_B }, null, KEY_B],
    [
      "values sets it over a generated one",
      { ...baseValues, APP_KEY: KEY_B },
      { values: baseValues, appKey: KEY_A },
      KEY_B,
    ],
    ["first create without one", baseValues, null, KEY_B],
    ["an update keeps the generated one", baseValues, { values: baseValues, appKey: KEY_A }, KEY_A],
    [
      "an update generates a fresh one when values stops setting it",
      baseValues,
      { values: { ...baseValues, APP_KEY: KEY_A }, appKey: KEY_A },
      KEY_B,
    ],
  ])("when %s", (_case, values, previous, expected) => {
    expect(resolveAppKey(values, previous, generate)).toBe(expected);
  });
});

describe("managedKeysFor and keysNoLongerManaged", () => {
  it("lists the keys of values and APP_KEY once, sorted", () => {
    expect(managedKeysFor({ ZED: "1", APP_KEY: KEY_A, ALPHA: "2" })).toStrictEqual(["ALPHA", "APP_KEY", "ZED"]);
  });

  it("lists keys that were managed before and are not any more, never APP_KEY", () => {
    const olds = outputs({
      values: { ...baseValues, OLD_FLAG: "1" },
      managedKeys: ["APP_KEY", "GONE_FROM_STATE", "OLD_FLAG"],
    });

    expect(keysNoLongerManaged(olds, baseValues)).toStrictEqual(["GONE_FROM_STATE", "OLD_FLAG"]);
  });
});

describe("diffSiteEnvironment", () => {
  const news = { serverId: 1, siteId: 5, values: baseValues };
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };
  const inPlace = { changes: true, replaces: [], deleteBeforeReplace: false };
  /** A replacement because of `field`, the old one deleted first. */
  const replacedFor = (field: string) => ({ changes: true, replaces: [field], deleteBeforeReplace: true });

  it.each([
    ["nothing changed", outputs(), news, none],
    ["a value changed", outputs(), { ...news, values: { ...baseValues, APP_NAME: "Other" } }, inPlace],
    ["a key was added", outputs(), { ...news, values: { ...baseValues, NEW: "1" } }, inPlace],
    ["a key was dropped", outputs(), { ...news, values: { MAIL_MAILER: "log" } }, inPlace],
    [
      "a refresh found a managed key missing",
      outputs({ managedKeys: ["APP_NAME", "DB_PASSWORD", "MAIL_MAILER"] }),
      news,
      inPlace,
    ],
    ["a refresh found a drifted value", outputs({ values: { ...baseValues, MAIL_MAILER: "smtp" } }), news, inPlace],
    ["a value is unknown", outputs(), { ...news, values: { ...baseValues, DB_PASSWORD: UNKNOWN_SENTINEL } }, inPlace],
    [
      "values are unknown",
      outputs(),
      { ...news, values: UNKNOWN_SENTINEL as unknown as Record<string, string> },
      inPlace,
    ],
    ["the site changed", outputs(), { ...news, siteId: 6 }, replacedFor("siteId")],
    ["the server changed", outputs(), { ...news, serverId: 2 }, replacedFor("serverId")],
    [
      "the site is unknown",
      outputs(),
      { ...news, siteId: UNKNOWN_SENTINEL as unknown as number },
      replacedFor("siteId"),
    ],
  ])("when %s", (_case, olds, inputs, expected) => {
    expect(diffSiteEnvironment(olds, inputs)).toStrictEqual(expected);
  });
});

describe("observeManagedKeys", () => {
  const text = ["APP_NAME=Changed", "APP_KEY=" + KEY_B, "MAIL_MAILER=log", "OTHER=kept", ""].join("\n");

  it("reports managed values as the file has them, leaving out keys that are gone", () => {
    expect(observeManagedKeys(parseDotenv(text), text, outputs())).toStrictEqual({
      values: { APP_NAME: "Changed", MAIL_MAILER: "log" },
      appKey: KEY_B,
      managedKeys: ["APP_KEY", "APP_NAME", "MAIL_MAILER"],
      contentSha256: sha256Hex(text),
    });
  });

  it("keeps the stored APP_KEY when the file lost it, and does not count it as present", () => {
    const withoutKey = "APP_KEY=\nAPP_NAME='Shop PR 7'\n";

    expect(observeManagedKeys(parseDotenv(withoutKey), withoutKey, outputs())).toMatchObject({
      appKey: KEY_A,
      managedKeys: ["APP_NAME"],
    });
  });
});

describe("countPendingKeys", () => {
  it.each([
    ["everything written", "A=1\nB=2\n", { A: "1", B: "2" }, ["C"], 0],
    ["one value still old", "A=0\nB=2\n", { A: "1", B: "2" }, [], 1],
    ["a key missing and a removed key still there", "B=2\nC=3\n", { A: "1", B: "2" }, ["C"], 2],
  ])("counts %s", (_case, text, expected, removed, pending) => {
    expect(countPendingKeys(parseDotenv(text), expected, removed)).toBe(pending);
  });
});
