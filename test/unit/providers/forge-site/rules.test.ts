import type { ForgeSiteOutputs } from "../../../../providers/forge-site";
import {
  branchProblem,
  checkForgeSiteInputs,
  diffForgeSite,
  domainProblem,
  isolatedUserProblem,
  repositoryProblem,
  webDirectoryProblem,
} from "../../../../providers/forge-site/rules";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";
import { casesByMessage } from "../../../support/cases";
import { FORGE_SITE_INPUTS as INPUTS } from "../../../support/samples";

const OUTPUTS: ForgeSiteOutputs = {
  ...INPUTS,
  siteId: 42,
  siteUser: INPUTS.isolatedUser,
  siteDirectory: "/home/pr123/pr-123.preview.example.com",
  url: "https://pr-123.preview.example.com",
  createdAt: "2026-01-02T03:04:05.000000Z",
};

describe("domainProblem", () => {
  it.each([
    ["pr-123.preview.example.com"],
    ["a.io"],
    [`${"a".repeat(63)}.example.com`],
    [`${Array.from({ length: 4 }, () => "b".repeat(61)).join(".")}.com`], // 4*62 + 3 = 251 characters
  ])("accepts %s", (domain) => expect(domainProblem(domain)).toBeNull());

  it.each([
    ["localhost", "must be a fully qualified DNS name such as `pr-123.preview.example.com`"],
    [`${"a".repeat(64)}.example.com`, "must have a first label of at most 63 characters"],
    [`pr.${"a".repeat(64)}.com`, `has a label longer than 63 characters (\`${"a".repeat(64)}\`)`],
    [`${Array.from({ length: 5 }, () => "b".repeat(60)).join(".")}.com`, "must be at most 253 characters"],
    [
      "PR-1.example.com",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
    [
      "-pr.example.com",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
    [
      "pr-.example.com",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
    [
      "pr..example.com",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
    [
      "pr_1.example.com",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
    [
      "example.com.",
      "must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
    ],
  ])("rejects %s", (domain, problem) => expect(domainProblem(domain)).toBe(problem));
});

describe("isolatedUserProblem", () => {
  it.each([["pr123"], ["a"], ["pr-1_x"], ["a".repeat(32)]])("accepts %s", (user) => {
    expect(isolatedUserProblem(user)).toBeNull();
  });

  it.each(
    casesByMessage({
      "must be at most 32 characters": ["a".repeat(33)],
      "must start with a lower-case letter followed by lower-case letters, digits, `-` or `_`": [
        "1pr",
        "Pr1",
        "pr.1",
        "",
      ],
    }),
  )("rejects %j", (user, problem) => expect(isolatedUserProblem(user)).toBe(problem));
});

describe("repositoryProblem", () => {
  it.each([
    ["acme/app", "github"],
    ["Acme-Inc/app.web_2", "bitbucket"],
    ["group/sub/app", "gitlab"],
    ["group/sub/app", null],
  ] as const)("accepts %s on %s", (repository, provider) => expect(repositoryProblem(repository, provider)).toBeNull());

  it.each([
    ["app", "github", "must be `owner/name`"],
    ["group/sub/app", "github", "must be `owner/name`"],
    ["acme/", "github", "must be `owner/name`"],
    ["acme/../app", "gitlab", "must be `owner/name` (GitLab also allows `group/subgroup/name`)"],
    ["https://github.com/acme/app", "github", "must be `owner/name`"],
    ["acme/my app", "github", "must be `owner/name`"],
    ["acme/app.git", "github", "must not end in `.git`: give `owner/name`"],
  ] as const)("rejects %s on %s", (repository, provider, problem) =>
    expect(repositoryProblem(repository, provider)).toBe(problem),
  );
});

describe("branchProblem", () => {
  it.each(["main", "feature/login", "fix-1.2", "dependabot/npm_and_yarn/axios-1.7.9", "user@work"])(
    "accepts %s",
    (branch) => expect(branchProblem(branch)).toBeNull(),
  );

  it.each(
    casesByMessage({
      "must be a branch name": ["", "@"],
      "must not contain spaces or control characters": ["my branch", "tab\tbranch", "bell\u0007"],
      "must not contain any of `~ ^ : ? * [ \\`": ["a~1", "a^1", "a:b", "a?", "a*", "a[1]", "a\\b"],
      "must not contain `..`": ["a..b"],
      "must not contain `@{`": ["a@{1}"],
      "must not start with `-`": ["-rf"],
      "must not start or end with `/` or contain `//`": ["/main", "main/", "a//b"],
      "must not end with `.`": ["main."],
      "must not have a path component starting with `.`": ["feature/.hidden"],
      "must not have a path component ending with `.lock`": ["refs.lock/x"],
    }),
  )("rejects %j", (branch, problem) => expect(branchProblem(branch)).toBe(problem));
});

describe("webDirectoryProblem", () => {
  it.each([["/"], ["/public"], ["/web/dist"]])("accepts %s", (directory) => {
    expect(webDirectoryProblem(directory)).toBeNull();
  });

  it.each([
    ["public", "must start with `/` (e.g. `/public`)"],
    ["/my public", "must not contain whitespace"],
    ["/public/", "must not end with `/` (e.g. `/public`)"],
  ])("rejects %j", (directory, problem) => expect(webDirectoryProblem(directory)).toBe(problem));
});

describe("checkForgeSiteInputs", () => {
  it("passes valid inputs through unchanged, with no failures", () => {
    expect(checkForgeSiteInputs({ ...INPUTS })).toStrictEqual({ inputs: INPUTS, failures: [] });
  });

  it("defaults sourceControlProvider to github", () => {
    const { sourceControlProvider: _omitted, ...rest } = INPUTS;

    expect(checkForgeSiteInputs(rest).inputs.sourceControlProvider).toBe("github");
  });

  it("names every invalid field with its own reason", () => {
    const { failures } = checkForgeSiteInputs({
      serverId: 0,
      domain: "Preview",
      isolatedUser: "9lives",
      phpVersion: "8.4",
      webDirectory: "public",
      repository: "just-a-name",
      branch: "has space",
      sourceControlProvider: "svn",
      pushToDeploy: "yes",
      ownerTag: "  ",
    });

    expect(failures).toStrictEqual([
      { property: "serverId", reason: "`serverId` must be a positive integer (the Forge server id)" },
      {
        property: "sourceControlProvider",
        reason: "`sourceControlProvider` must be one of `github`, `gitlab`, `bitbucket`",
      },
      {
        property: "domain",
        reason: "`domain` must be a fully qualified DNS name such as `pr-123.preview.example.com`",
      },
      {
        property: "isolatedUser",
        reason: "`isolatedUser` must start with a lower-case letter followed by lower-case letters, digits, `-` or `_`",
      },
      { property: "phpVersion", reason: "`phpVersion` must look like `php84`" },
      { property: "webDirectory", reason: "`webDirectory` must start with `/` (e.g. `/public`)" },
      { property: "repository", reason: "`repository` must be `owner/name`" },
      { property: "branch", reason: "`branch` must not contain spaces or control characters" },
      {
        property: "ownerTag",
        reason: "`ownerTag` must not be empty: it is the tag that marks the site as this stack's",
      },
      { property: "pushToDeploy", reason: "`pushToDeploy` must be a boolean" },
    ]);
  });

  it("reports a missing field as not being a string", () => {
    const { domain: _missing, ...rest } = INPUTS;

    expect(checkForgeSiteInputs(rest).failures).toStrictEqual([
      { property: "domain", reason: "`domain` must be a string" },
    ]);
  });

  it("lets unknown preview values through without failures", () => {
    const unknowns = Object.fromEntries(Object.keys(INPUTS).map((key) => [key, UNKNOWN_SENTINEL]));

    expect(checkForgeSiteInputs(unknowns)).toStrictEqual({ inputs: unknowns, failures: [] });
  });
});

describe("diffForgeSite", () => {
  it("reports no change when the inputs match the state", () => {
    expect(diffForgeSite(OUTPUTS, INPUTS)).toStrictEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it.each([
    ["phpVersion", "php83"],
    ["webDirectory", "/web"],
    ["branch", "feature/other"],
    ["pushToDeploy", false],
  ] as const)("updates %s in place", (field, value) => {
    expect(diffForgeSite(OUTPUTS, { ...INPUTS, [field]: value })).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["serverId", 2],
    ["domain", "pr-124.preview.example.com"],
    ["isolatedUser", "pr124"],
    ["repository", "acme/other"],
    ["sourceControlProvider", "gitlab"],
    ["ownerTag", "forge-previews-other-pr-123"],
  ] as const)("replaces the site, old one first, when %s changes", (field, value) => {
    expect(diffForgeSite(OUTPUTS, { ...INPUTS, [field]: value })).toStrictEqual({
      changes: true,
      replaces: [field],
      deleteBeforeReplace: true,
    });
  });

  it("treats an unknown identity field as a replacement and an unknown in-place field as a change", () => {
    const unknownDomain = { ...INPUTS, domain: UNKNOWN_SENTINEL };
    const unknownBranch = { ...INPUTS, branch: UNKNOWN_SENTINEL };

    expect(diffForgeSite(OUTPUTS, unknownDomain)).toStrictEqual({
      changes: true,
      replaces: ["domain"],
      deleteBeforeReplace: true,
    });
    expect(diffForgeSite(OUTPUTS, unknownBranch)).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
