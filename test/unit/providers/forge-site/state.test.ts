import type { Site } from "../../../../providers/forge";
import {
  ForgeSiteFailedError,
  createSiteParams,
  foreignSiteMessage,
  identityMismatches,
  isUserFor,
  isolatedUserChoice,
  mismatchedSiteMessage,
  outputsFor,
  outputsFromSite,
  repositoryPathOf,
  siteDirectoryOf,
  siteProgress,
  updateSiteParams,
} from "../../../../providers/forge-site/state";
import { FORGE_SITE_INPUTS as INPUTS } from "../../../support/samples";

function siteLike(overrides: Partial<Site> = {}): Site {
  return {
    id: 42,
    serverId: null,
    name: INPUTS.domain,
    status: "installed",
    url: `http://${INPUTS.domain}`,
    user: "pr123",
    https: false,
    webDirectory: "/public",
    rootDirectory: "/",
    aliases: [],
    phpVersion: "php84",
    deploymentStatus: "never-deployed",
    quickDeploy: true,
    isolated: true,
    repository: { provider: "github", url: "acme/customer-app", branch: "feature/login", status: "installed" },
    database: null,
    zeroDowntimeDeployments: false,
    sharedPaths: {},
    deploymentUrl: "https://forge.example/deploy/42?token=hook-secret",
    healthcheckUrl: null,
    createdAt: "2026-01-02T03:04:05.000000Z",
    ...overrides,
  };
}

describe("createSiteParams", () => {
  it("asks for an isolated laravel site on the PR branch, tagged as this stack's, without zero-downtime releases", () => {
    expect(createSiteParams(INPUTS)).toStrictEqual({
      type: "laravel",
      domainMode: "custom",
      name: "pr-123.preview.example.com",
      wwwRedirectType: "none",
      allowWildcardSubdomains: false,
      webDirectory: "/public",
      isIsolated: true,
      isolatedUser: "pr123",
      phpVersion: "php84",
      zeroDowntimeDeployments: false,
      sourceControlProvider: "github",
      repository: "acme/customer-app",
      branch: "feature/login",
      installComposerDependencies: false,
      pushToDeploy: true,
      tags: ["forge-previews-customer-pr-123"],
    });
  });
});

describe("siteDirectoryOf", () => {
  it("puts the site in its user's home directory under its domain", () => {
    expect(siteDirectoryOf("pr123", "pr-123.preview.example.com")).toBe("/home/pr123/pr-123.preview.example.com");
  });
});

describe("repositoryPathOf", () => {
  it.each([
    ["acme/app", "acme/app"],
    ["git@github.com:acme/app.git", "acme/app"],
    ["git@gitlab.com:group/sub/app.git", "group/sub/app"],
    ["https://github.com/acme/app", "acme/app"],
    ["https://bitbucket.org/acme/app.git/", "acme/app"],
    ["ssh://git@github.com/acme/app.git", "acme/app"],
  ])("reads %s as %s", (reported, path) => {
    expect(repositoryPathOf(reported)).toBe(path);
  });
});

describe("updateSiteParams", () => {
  it("asks for nothing when the site matches the inputs", () => {
    expect(updateSiteParams(siteLike(), INPUTS)).toStrictEqual({});
  });

  it("asks for exactly the in-place fields that differ, in Forge's update vocabulary", () => {
    const site = siteLike({
      phpVersion: "php83",
      webDirectory: "/web",
      quickDeploy: false,
      repository: { provider: "github", url: "acme/customer-app", branch: "main", status: "installed" },
    });

    expect(updateSiteParams(site, INPUTS)).toStrictEqual({
      phpVersion: "php84",
      directory: "/public",
      repositoryBranch: "feature/login",
      pushToDeploy: true,
    });
  });

  // Forge leaves quick_deploy null until its webhook exists, so null says nothing about what was asked.
  it("sends push-to-deploy that Forge reports as null only when the previous inputs show it changed", () => {
    const site = siteLike({ quickDeploy: null });

    expect(updateSiteParams(site, { ...INPUTS, pushToDeploy: false })).toStrictEqual({});
    expect(updateSiteParams(site, { ...INPUTS, pushToDeploy: false }, { pushToDeploy: false })).toStrictEqual({});
    expect(updateSiteParams(site, { ...INPUTS, pushToDeploy: false }, { pushToDeploy: true })).toStrictEqual({
      pushToDeploy: false,
    });
  });

  it.each([["php84"], ["8.4"], ["PHP 8.4"], ["php8.4"]])("reads the PHP version `%s` as `php84`", (reported) => {
    expect(updateSiteParams(siteLike({ phpVersion: reported }), { ...INPUTS, phpVersion: "php84" })).not.toHaveProperty(
      "phpVersion",
    );
  });
});

describe("identityMismatches", () => {
  it("finds none for the site the inputs describe, whatever spelling Forge uses for the repository", () => {
    const site = siteLike({
      repository: { provider: "github", url: "git@github.com:acme/customer-app.git", branch: "x", status: "installed" },
    });

    expect(identityMismatches(site, INPUTS)).toStrictEqual([]);
  });

  it("names the isolated user and the repository when they differ", () => {
    const site = siteLike({ user: "forge", isolated: false, repository: null });

    expect(identityMismatches(site, INPUTS)).toStrictEqual([
      "`isolatedUser` (Forge runs it as `forge`, not isolated)",
      "`repository` (Forge has `none`)",
    ]);
    expect(mismatchedSiteMessage(site, identityMismatches(site, INPUTS))).toBe(
      "Forge site `pr-123.preview.example.com` (site 42) carries this stack's tag but differs in " +
        "`isolatedUser` (Forge runs it as `forge`, not isolated) and `repository` (Forge has `none`), " +
        "which Forge cannot change in place; delete it in Forge so it can be created again.",
    );
  });
});

describe("outputsFor and outputsFromSite", () => {
  it("returns the inputs with Forge's id, the site directory, the https URL and the creation time", () => {
    expect(outputsFor(INPUTS, siteLike())).toStrictEqual({
      ...INPUTS,
      siteId: 42,
      siteUser: "pr123",
      siteDirectory: "/home/pr123/pr-123.preview.example.com",
      url: "https://pr-123.preview.example.com",
      createdAt: "2026-01-02T03:04:05.000000Z",
    });
  });

  it("reads drift back from Forge, keeps what Forge does not report, and never copies the deploy hook URL", () => {
    const site = siteLike({
      phpVersion: "php83",
      quickDeploy: false,
      createdAt: null,
      repository: {
        provider: "github",
        url: "git@github.com:acme/customer-app.git",
        branch: "main",
        status: "installed",
      },
    });

    const outputs = outputsFromSite(site, outputsFor(INPUTS, siteLike()));

    expect(outputs).toStrictEqual({
      ...INPUTS,
      phpVersion: "php83",
      pushToDeploy: false,
      branch: "main",
      siteId: 42,
      siteUser: "pr123",
      siteDirectory: "/home/pr123/pr-123.preview.example.com",
      url: "https://pr-123.preview.example.com",
      createdAt: null,
    });
    expect(JSON.stringify(outputs)).not.toContain("hook-secret");
  });

  it("keeps the requested isolatedUser for a site on a fallback user, so a refresh does not replace it", () => {
    const outputs = outputsFromSite(siteLike({ user: "pr123-2" }), outputsFor(INPUTS, siteLike()));

    expect(outputs).toMatchObject({
      isolatedUser: "pr123",
      siteUser: "pr123-2",
      siteDirectory: "/home/pr123-2/pr-123.preview.example.com",
    });
    expect(outputsFromSite(siteLike({ user: "someone" }), outputsFor(INPUTS, siteLike())).isolatedUser).toBe("someone");
  });
});

describe("isolatedUserChoice", () => {
  it("asks for the user itself first, then numbered names that still fit Linux's 32 characters", () => {
    expect(isolatedUserChoice("customer-pr12", 0)).toBe("customer-pr12");
    expect(isolatedUserChoice("customer-pr12", 1)).toBe("customer-pr12-2");
    expect(isolatedUserChoice("a".repeat(32), 9)).toBe(`${"a".repeat(29)}-10`);
  });

  it("accepts exactly the names a site for the user may take as its own", () => {
    expect(isUserFor("customer-pr12", "customer-pr12-3")).toBe(true);
    expect(isUserFor("customer-pr12", "customer-pr1")).toBe(false);
    expect(isUserFor("customer-pr1", "customer-pr12")).toBe(false);
    expect(isUserFor("customer-pr12", null)).toBe(false);
  });
});

describe("siteProgress", () => {
  it("is done once the site and its repository are installed", () => {
    expect(siteProgress(siteLike(), null)).toStrictEqual({ done: true, value: siteLike() });
  });

  it.each(["deployed", "never-deployed", "deploying"])("counts a site that is %s as installed", (status) => {
    expect(siteProgress(siteLike({ status }), INPUTS).done).toBe(true);
  });

  it("accepts a repository status of null once Forge knows the repository URL", () => {
    const site = siteLike({
      repository: { provider: "github", url: "acme/customer-app", branch: "feature/login", status: null },
    });

    expect(siteProgress(site, INPUTS).done).toBe(true);
  });

  it("keeps waiting while the site or its repository installs, reporting both", () => {
    const installing = siteLike({
      status: "installing",
      repository: { provider: "github", url: "acme/customer-app", branch: "feature/login", status: "installing" },
    });
    const cloning = siteLike({
      repository: { provider: "github", url: "acme/customer-app", branch: "feature/login", status: "installing" },
    });

    expect(siteProgress(installing, null)).toStrictEqual({ done: false, status: "installing; repository installing" });
    expect(siteProgress(cloning, null)).toStrictEqual({ done: false, status: "installed; repository installing" });
  });

  it("keeps waiting, with inputs, until every in-place field shows the requested value", () => {
    expect(siteProgress(siteLike({ phpVersion: "php83" }), INPUTS)).toStrictEqual({
      done: false,
      status: "installed; repository installed; phpVersion not yet applied",
    });
    expect(siteProgress(siteLike({ phpVersion: "php83" }), null).done).toBe(true);
  });

  it.each(["failed", "unhealthy"])(
    "stops at once with an error naming the site when a site never installed reports `%s`",
    (status) => {
      expect(() => siteProgress(siteLike({ status }), null)).toThrow(ForgeSiteFailedError);
      expect(() => siteProgress(siteLike({ status }), null)).toThrow(
        `Forge site \`pr-123.preview.example.com\` (site 42) failed to install (status \`${status}\`)`,
      );
    },
  );

  it.each(["failed", "unhealthy"])(
    "counts a site reporting `%s` as installed once it was installed before: the status follows its deployments",
    (status) => {
      expect(siteProgress(siteLike({ status }), INPUTS, true).done).toBe(true);
      expect(siteProgress(siteLike({ status, deploymentStatus: "failed" }), INPUTS).done).toBe(true);
    },
  );
});

describe("foreignSiteMessage", () => {
  it("names the domain, the site id, the missing tag and the fix", () => {
    expect(foreignSiteMessage(siteLike(), INPUTS)).toBe(
      "Forge already has a site `pr-123.preview.example.com` (site 42) on server 1 without this stack's tag " +
        "`forge-previews-customer-pr-123`, and this stack's state does not hold it, so it is not this preview's to take over; " +
        "delete it in Forge or pick another PR domain. (Forge may apply tags late or not at all: a site this preview " +
        "created but lost from its state looks the same; check its creation time in Forge before deleting it.)",
    );
  });
});
