// What a caller asks for is checked before anything runs: PR numbers, app names, branch names and commits,
// with messages that quote the bad value and say what is expected; then mapped to the preview's stack.
import { resolvePreviewNames, validatePreviewRef, validateUpRequest } from "../../../cli/pulumi/preview-stack";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("validateUpRequest", () => {
  it("accepts a valid request, a PR number given as digits, and lower-cases the commit", () => {
    expect(
      validateUpRequest({ app: null, pr: "42", branch: "feature/cli-$x", sha: SHA.toUpperCase(), redeploy: true }),
    ).toEqual({
      app: null,
      pr: 42,
      branch: "feature/cli-$x",
      sha: SHA,
      redeploy: true,
      resetDatabase: false,
    });
  });

  it.each([
    ["has whitespace", "my branch", /contains whitespace/],
    ["starts with a dash", "-rf", /starts with `-`/],
    ["has ..", "a..b", /contains `\.\.`/],
    ["ends with .lock", "x.lock", /ending with `\.lock`/],
    ["has a control character", "a\u0007b", /control character/],
  ])("refuses a branch that %s", (_what, branch, message) => {
    expect(() => validateUpRequest({ pr: 1, branch, sha: SHA })).toThrow(message);
  });

  it.each([
    ["a short commit", "abc1234"],
    ["a non-hex commit", "z".repeat(40)],
    ["a number", 12],
  ])("refuses %s", (_what, sha) => {
    expect(() => validateUpRequest({ pr: 1, branch: "main", sha })).toThrow(
      /full id of the PR's head commit \(40 or 64 hex digits\)/,
    );
  });

  it("accepts a 64-digit commit of a SHA-256 repository", () => {
    expect(validateUpRequest({ pr: 1, branch: "main", sha: "a".repeat(64) }).sha).toBe("a".repeat(64));
  });

  it("shortens a long untrusted value in its message", () => {
    const error = (() => {
      try {
        validateUpRequest({ pr: 1, branch: "main", sha: "x".repeat(500) });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message.length).toBeLessThan(200);
  });
});

describe("validatePreviewRef", () => {
  it.each([[0], [-3], ["12a"], [1.5], [10_000_000]])("refuses PR %p", (pr) => {
    expect(() => validatePreviewRef({ app: null, pr })).toThrow(/PR number must be a whole number from 1 to 9999999/);
  });

  it("treats an empty app as the default app and refuses app names that could not be stack names", () => {
    expect(validatePreviewRef({ app: "", pr: 3 })).toEqual({ app: null, pr: 3 });
    expect(() => validatePreviewRef({ app: "Shop", pr: 3 })).toThrow(/App name must be 1-20 lowercase letters/);
  });
});

describe("resolvePreviewNames", () => {
  const apps = { shop: {}, blog: {} } as never;

  it("names the default app's stack pr-<n> and another app's <app>-pr-<n>", () => {
    const config = { apps, defaultApp: "shop", previewDomain: "p.example.com" };
    expect(resolvePreviewNames({ app: null, pr: 5 }, config).stack).toBe("pr-5");
    expect(resolvePreviewNames({ app: "shop", pr: 5 }, config).stack).toBe("pr-5");
    expect(resolvePreviewNames({ app: "blog", pr: 5 }, config)).toMatchObject({
      stack: "blog-pr-5",
      domain: "blog-pr-5.p.example.com",
      app: "blog",
    });
  });

  it("refuses an app that is not configured, listing the configured ones", () => {
    expect(() =>
      resolvePreviewNames({ app: "wiki", pr: 5 }, { apps, defaultApp: "shop", previewDomain: "p.example.com" }),
    ).toThrow(
      "App `wiki` is not configured (configured: shop, blog); add it under `apps` in the shared configuration.",
    );
  });

  it("asks for the app when there is no default", () => {
    expect(() =>
      resolvePreviewNames({ app: null, pr: 5 }, { apps, defaultApp: null, previewDomain: "p.example.com" }),
    ).toThrow(
      /No app was given and no default app is set while 2 apps are configured; pass the app \(one of: shop, blog\)/,
    );
  });
});
