import fc from "fast-check";
import {
  MAX_PR_NUMBER,
  NAME_LIMITS,
  buildPreviewNames,
  buildStackName,
  candidateStackNames,
  findDatabaseUserClash,
  isPreviewDatabaseName,
  parseStackName,
  validatePrNumber,
} from "../../../stacks/naming";
import { UserError } from "../../../providers/common/user-error";

const DOMAIN = "staging.example.com";

describe("buildPreviewNames", () => {
  it("names every part of the default app's PR 123", () => {
    expect(buildPreviewNames({ app: "customer", pr: 123, isDefaultApp: true, previewDomain: DOMAIN })).toStrictEqual({
      app: "customer",
      pr: 123,
      stack: "pr-123",
      domainLabel: "pr-123",
      domain: "pr-123.staging.example.com",
      linuxUser: "customer-pr123",
      database: "customer_pr_123",
      databaseUser: "customer_pr123",
      redisPrefix: "customer_pr123_",
      ownerTag: "forge-previews-customer-pr-123",
    });
  });

  it("prefixes the stack and domain with the app when it is not the default", () => {
    const names = buildPreviewNames({ app: "epos", pr: 123, isDefaultApp: false, previewDomain: DOMAIN });
    expect([names.stack, names.domain]).toStrictEqual(["epos-pr-123", "epos-pr-123.staging.example.com"]);
  });

  it.each([
    ["customer", 1, "customer_pr1"],
    ["customer", 1234567, ""],
  ])("keeps database users within 16 characters (%s, %d)", (app, pr) => {
    const user = buildPreviewNames({ app, pr, isDefaultApp: false, previewDomain: DOMAIN }).databaseUser;
    expect(user.length).toBeLessThanOrEqual(16);
    expect(user.endsWith(`_pr${pr}`)).toBe(true);
  });

  it("keeps apps that share a long prefix apart in the database user", () => {
    const a = buildPreviewNames({ app: "customerportal", pr: 4567, isDefaultApp: false, previewDomain: DOMAIN });
    const b = buildPreviewNames({ app: "customerportals", pr: 4567, isDefaultApp: false, previewDomain: DOMAIN });
    expect(a.databaseUser).not.toBe(b.databaseUser);
    expect(a.databaseUser).toMatch(/^custo[a-z0-9]{4}_pr4567$/);
  });

  it.each([0, -1, 1.5, "12a", "", null, MAX_PR_NUMBER + 1])("rejects PR number %p before naming anything", (pr) => {
    expect(() =>
      buildPreviewNames({ app: "customer", pr: pr as number, isDefaultApp: true, previewDomain: DOMAIN }),
    ).toThrow(UserError);
    expect(() => validatePrNumber(pr)).toThrow(`PR number must be a whole number from 1 to ${MAX_PR_NUMBER}`);
  });

  it.each(["Customer", "my-app", "1app", "", "a".repeat(21)])("rejects app name %p", (app) => {
    expect(() => buildPreviewNames({ app, pr: 1, isDefaultApp: true, previewDomain: DOMAIN })).toThrow(
      "App name must be 1-20 lowercase letters",
    );
  });
});

describe("name invariants over many (app, PR) pairs", () => {
  const appArb = fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/);
  const prArb = fc.integer({ min: 1, max: MAX_PR_NUMBER });

  it("fits every limit, is lowercase and deterministic", () => {
    fc.assert(
      fc.property(appArb, prArb, fc.boolean(), (app, pr, isDefaultApp) => {
        const names = buildPreviewNames({ app, pr, isDefaultApp, previewDomain: DOMAIN });
        expect(names.domainLabel.length).toBeLessThanOrEqual(NAME_LIMITS.dnsLabel);
        expect(names.domainLabel).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
        expect(names.database.length).toBeLessThanOrEqual(NAME_LIMITS.databaseName);
        expect(names.databaseUser.length).toBeLessThanOrEqual(NAME_LIMITS.databaseUser);
        expect(names.linuxUser.length).toBeLessThanOrEqual(NAME_LIMITS.linuxUser);
        expect(names.linuxUser).toMatch(/^[a-z][-a-z0-9_]*$/);
        expect(isPreviewDatabaseName(names.database)).toBe(true);
        for (const value of Object.values(names))
          if (typeof value === "string") expect(value).toBe(value.toLowerCase());
        expect(buildPreviewNames({ app, pr, isDefaultApp, previewDomain: DOMAIN })).toStrictEqual(names);
        expect(parseStackName(names.stack)).toStrictEqual({ kind: "preview", app: isDefaultApp ? null : app, pr });
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });

  it("never gives two different (app, PR) pairs the same server-side name", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(appArb, prArb), { minLength: 2, maxLength: 200, selector: ([a, p]) => `${a}#${p}` }),
        (pairs) => {
          const apps = [...new Set(pairs.map(([app]) => app))];
          fc.pre(findDatabaseUserClash(apps) === null);
          const all = pairs.map(([app, pr]) =>
            buildPreviewNames({ app, pr, isDefaultApp: false, previewDomain: DOMAIN }),
          );
          for (const key of [
            "stack",
            "domain",
            "linuxUser",
            "database",
            "databaseUser",
            "redisPrefix",
            "ownerTag",
          ] as const) {
            expect(new Set(all.map((n) => n[key])).size).toBe(pairs.length);
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("detects apps whose database users would collide", () => {
    expect(findDatabaseUserClash(["customer0000fw", "customer0000lv"])).toStrictEqual([
      "customer0000fw",
      "customer0000lv",
    ]);
    expect(findDatabaseUserClash(["customer", "epos", "customerportal"])).toBeNull();
  });
});

describe("buildStackName", () => {
  it("names the default app's stack pr-<n> and another app's <app>-pr-<n>", () => {
    expect(buildStackName({ app: null, pr: 9 })).toBe("pr-9");
    expect(buildStackName({ app: "blog", pr: 9 })).toBe("blog-pr-9");
  });

  it("builds the names parseStackName reads back", () => {
    expect(parseStackName(buildStackName({ app: null, pr: 12 }))).toStrictEqual({ kind: "preview", app: null, pr: 12 });
    expect(parseStackName(buildStackName({ app: "blog", pr: 12 }))).toStrictEqual({
      kind: "preview",
      app: "blog",
      pr: 12,
    });
  });
});

describe("candidateStackNames", () => {
  it("lists the names a stack may have when the configuration is unknown, the app's own first", () => {
    expect(candidateStackNames({ app: null, pr: 9 })).toEqual(["pr-9"]);
    expect(candidateStackNames({ app: "blog", pr: 9 })).toEqual(["blog-pr-9", "pr-9"]);
  });
});

describe("parseStackName", () => {
  it.each([
    ["pr-123", { kind: "preview", app: null, pr: 123 }],
    ["customer-pr-7", { kind: "preview", app: "customer", pr: 7 }],
    ["snapshots", { kind: "snapshots" }],
  ])("accepts %s", (stack, expected) => {
    expect(parseStackName(stack)).toStrictEqual(expected);
  });

  it.each(["dev", "pr-0", "pr-01", "PR-1", "pr-12345678", "customer-pr-", "my-app-pr-1"])(
    "refuses %s and lists the valid forms",
    (stack) => {
      expect(() => parseStackName(stack)).toThrow("Valid forms: `pr-<n>` (the default app), `<app>-pr-<n>`");
    },
  );

  it("database ownership pattern refuses masters and production names", () => {
    for (const name of ["customer_master", "customer", "keatchen_master", "customer_pr_0", "customer_pr_1; DROP"]) {
      expect(isPreviewDatabaseName(name)).toBe(false);
    }
  });
});
