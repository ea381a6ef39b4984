import fc from "fast-check";
import {
  DotenvSyntaxError,
  formatDotenvLine,
  mergeDotenv,
  parseDotenv,
  quoteDotenvValue,
  removeDotenvKeys,
} from "../../../../providers/common/dotenv";
import { parseWithPhpdotenv } from "../../../support/phpdotenv";

const TRICKY_VALUES: Record<string, string> = {
  PLAIN: "simple",
  EMPTY: "",
  SPACES: "My Preview App",
  HASH: "abc#def",
  LEADING_HASH: "#not-a-comment",
  DOLLAR: "pa$$word",
  INTERPOLATION_LOOKALIKE: "${APP_KEY}",
  SINGLE_QUOTE: "it's",
  DOUBLE_QUOTE: 'say "hi"',
  BOTH_QUOTES: `it's "quoted"`,
  BACKSLASH: "C:\\path\\to",
  NEWLINE: "line one\nline two",
  CR_TAB: "a\r\tb",
  EQUALS: "a=b==",
  URL: "https://user:pa ss@example.com/?q=1#frag",
  UNICODE: "café ☕",
  TRAILING_SPACE: "value ",
  BASE64: "base64:AbC+/dEf==",
};

describe("quoteDotenvValue", () => {
  it.each([
    ["simple", "simple"],
    ["", ""],
    ["base64:AbC+/dEf==", "base64:AbC+/dEf=="],
    ["My App", "'My App'"],
    ["pa$$word", "'pa$$word'"],
    ["it's", '"it\'s"'],
    ['="', '"=\\""'],
    ["a\nb", '"a\\nb"'],
    ['it\'s $5 \\ "x"', '"it\'s \\$5 \\\\ \\"x\\""'],
  ])("quotes %j as %s", (value, expected) => expect(quoteDotenvValue(value)).toBe(expected));

  it("refuses a NUL character and an invalid key", () => {
    expect(() => quoteDotenvValue("a\0b")).toThrow(DotenvSyntaxError);
    expect(() => formatDotenvLine("BAD KEY", "x")).toThrow("is not a valid .env key");
  });
});

describe("dotenv text against the real vlucas/phpdotenv", () => {
  it("reads back every tricky value exactly as written", () => {
    const text = mergeDotenv("", TRICKY_VALUES);
    expect(parseWithPhpdotenv(text)).toStrictEqual({ ok: TRICKY_VALUES });
    expect(Object.fromEntries(parseDotenv(text))).toStrictEqual(TRICKY_VALUES);
  });

  it("round-trips arbitrary printable and multi-line values", () => {
    const valueArb = fc.string({ unit: fc.constantFrom(..."aZ09 _-#$'\"\\\n\t={}:/@!.,é"), maxLength: 24 });
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/), valueArb, { maxKeys: 6 }), (values) => {
        const text = mergeDotenv("", values);
        expect(parseWithPhpdotenv(text)).toStrictEqual({ ok: { ...values } });
        expect(Object.fromEntries(parseDotenv(text))).toStrictEqual({ ...values });
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});

describe("mergeDotenv", () => {
  const existing = [
    "# Production-like defaults from the repository",
    "APP_NAME=Laravel",
    "APP_ENV=production",
    "",
    "STRIPE_SECRET='sk_test_abc'   # test mode",
    'MULTI="first',
    'second"',
    "DB_DATABASE=forge",
    "DB_DATABASE=duplicate",
    "",
  ].join("\n");

  it("replaces managed keys in place and keeps every other line byte for byte", () => {
    const merged = mergeDotenv(existing, { APP_ENV: "preview", DB_DATABASE: "customer_pr_1", REDIS_DB: "3" });
    expect(merged).toBe(
      [
        "# Production-like defaults from the repository",
        "APP_NAME=Laravel",
        "APP_ENV=preview",
        "",
        "STRIPE_SECRET='sk_test_abc'   # test mode",
        'MULTI="first',
        'second"',
        "DB_DATABASE=customer_pr_1",
        "REDIS_DB=3",
        "",
      ].join("\n"),
    );
    const parsed = parseWithPhpdotenv(merged);
    expect(parsed).toStrictEqual({
      ok: {
        APP_NAME: "Laravel",
        APP_ENV: "preview",
        STRIPE_SECRET: "sk_test_abc",
        MULTI: "first\nsecond",
        DB_DATABASE: "customer_pr_1",
        REDIS_DB: "3",
      },
    });
  });

  it("is idempotent", () => {
    const once = mergeDotenv(existing, { APP_ENV: "preview", NEW_KEY: "a b" });
    expect(mergeDotenv(once, { APP_ENV: "preview", NEW_KEY: "a b" })).toBe(once);
  });

  it("removes only the named keys", () => {
    expect(removeDotenvKeys("A=1\n# keep\nB=2\nC='x y'\n", ["B", "C"])).toBe("A=1\n# keep\n");
  });

  it("refuses text phpdotenv would refuse instead of guessing", () => {
    expect(() => parseDotenv('A="unterminated\n')).toThrow("Missing closing quote in the value of A.");
    expect(() => parseDotenv("A='x' trailing\n")).toThrow("Unexpected text after the quoted value of A.");
    expect(parseWithPhpdotenv("A='x' trailing\n")).toHaveProperty("error");
  });
});
