import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CONFIG_DEFAULTS, parsePlainConfig, RawConfig } from "../../../stacks/config-rules";
import { CONFIG_KEYS, PLAIN_KEYS, SECRET_KEYS, configKey } from "../../../stacks/config-keys";
import { loadConfig } from "../../../stacks/config";
import { PROJECT_NAME } from "../../../providers/common/project";
import { ConfigError } from "../../../providers/common/user-error";

const FINGERPRINT = "SHA256:" + "A".repeat(43);
const VALID: RawConfig = {
  forgeOrg: "acme",
  forgeServerId: "42",
  previewDomain: "staging.example.com",
  apps: {
    customer: { repository: "acme/customer", masterDatabase: "customer_master", productionDatabase: "customer" },
  },
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: FINGERPRINT,
};
const ALL_SECRETS = new Set(["forgeToken", "sshPrivateKey"]);

function problemsOf(raw: RawConfig, secrets: ReadonlySet<string> = ALL_SECRETS): string[] {
  try {
    parsePlainConfig(raw, secrets);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("parsePlainConfig", () => {
  it("applies the Pulumi.yaml defaults to a minimal valid configuration", () => {
    const config = parsePlainConfig(VALID, ALL_SECRETS);
    expect(config.forge).toStrictEqual({ apiUrl: "https://forge.laravel.com/api", org: "acme", serverId: 42 });
    expect(config.defaultApp).toBe("customer");
    expect(config.ssh).toStrictEqual({
      host: "203.0.113.10",
      port: 22,
      user: "forge",
      hostKeyFingerprint: FINGERPRINT,
    });
    expect(config.redisSlots).toStrictEqual({ first: 2, last: 15 });
    expect(config.apps.customer).toMatchObject({
      phpVersion: "php84",
      webDirectory: "/public",
      healthPath: "/up",
      queue: { processes: 1, tries: 3 },
    });
    expect(config.productionDatabases).toStrictEqual(["customer"]);
    expect(config.certificate).toStrictEqual({ mode: "letsencrypt", wildcardCertificateId: null });
    expect(config.deploy).toStrictEqual({ branch: null, commitSha: null, redeployToken: "", databaseResetToken: "" });
    expect([config.healthUrlTemplate, config.healthResolve, config.redisPort]).toStrictEqual([
      "https://{domain}{path}",
      null,
      6379,
    ]);
  });

  it("reads healthResolve as the address the health check connects to", () => {
    expect(parsePlainConfig({ ...VALID, healthResolve: " 203.0.113.10 " }, ALL_SECRETS).healthResolve).toBe(
      "203.0.113.10",
    );
  });

  it.each<[string, RawConfig, string]>([
    [
      "a missing org",
      { forgeOrg: undefined },
      "`forge-previews:forgeOrg` is missing; set it with `pulumi config set forgeOrg acme`",
    ],
    ["an org that is not a slug", { forgeOrg: "Acme Inc" }, "`forge-previews:forgeOrg` must be the organization slug"],
    ["the legacy v1 API", { forgeApiUrl: "https://forge.laravel.com/api/v1" }, "legacy /api/v1, which is shut down"],
    [
      "plain http to a remote host",
      { forgeApiUrl: "http://forge.example.com/api" },
      "`forge-previews:forgeApiUrl` must use https",
    ],
    [
      "a server id that is not a number",
      { forgeServerId: "abc" },
      "`forge-previews:forgeServerId` must be a whole number",
    ],
    [
      "a preview domain with one label",
      { previewDomain: "localhost" },
      "`forge-previews:previewDomain` is not a DNS name",
    ],
    [
      "a preview domain with an underscore",
      { previewDomain: "pr_x.example.com" },
      "`forge-previews:previewDomain` is not a DNS name",
    ],
    ["no apps", { apps: {} }, "`forge-previews:apps` must be an object with at least one app"],
    [
      "an app name with a dash",
      { apps: { "my-app": { repository: "a/b", masterDatabase: "m" } } },
      "`forge-previews:apps.my-app` has a name",
    ],
    [
      "an app without repository",
      { apps: { customer: { masterDatabase: "m" } } },
      "`forge-previews:apps.customer.repository` is missing",
    ],
    [
      "a master that is a production database",
      { apps: { customer: { repository: "a/b", masterDatabase: "shop" } }, productionDatabases: ["shop"] },
      "`forge-previews:apps.customer.masterDatabase` is a production database (shop)",
    ],
    [
      "a master equal to the app's production database",
      { apps: { customer: { repository: "a/b", masterDatabase: "shop", productionDatabase: "shop" } } },
      "is the production database itself",
    ],
    [
      "an override of a managed .env key",
      { apps: { customer: { repository: "a/b", masterDatabase: "m", env: { DB_DATABASE: "customer" } } } },
      "`forge-previews:apps.customer.env.DB_DATABASE` is set by the preview environment itself",
    ],
    [
      "a live Stripe key in an app's env",
      { apps: { customer: { repository: "a/b", masterDatabase: "m", env: { STRIPE_SECRET: "sk_live_abc123" } } } },
      "`forge-previews:apps.customer.env.STRIPE_SECRET` looks like a live Stripe secret key; a preview runs PR code on production-derived data; use the provider's test-mode key",
    ],
    [
      "a master named like a preview database",
      { apps: { customer: { repository: "a/b", masterDatabase: "customer_pr_1" } } },
      "`forge-previews:apps.customer.masterDatabase` (customer_pr_1) has the form of a preview database name",
    ],
    [
      "a lower-case .env key",
      { apps: { customer: { repository: "a/b", masterDatabase: "m", env: { stripe: "x" } } } },
      "is not an upper-case .env key",
    ],
    [
      "a deploy extra with a newline",
      { apps: { customer: { repository: "a/b", masterDatabase: "m", deployScriptExtras: ["a\nb"] } } },
      "must be an array of single-line strings",
    ],
    [
      "automatic updates given as text",
      { apps: { customer: { repository: "a/b", masterDatabase: "m", autoUpdate: "no" } } },
      "`forge-previews:apps.customer.autoUpdate` must be true or false",
    ],
    [
      "a short fingerprint",
      { sshHostKeyFingerprint: "SHA256:abc" },
      "`forge-previews:sshHostKeyFingerprint` must be a SHA256 fingerprint",
    ],
    ["a slot range that includes production's DB 1", { redisSlotRange: "1-15" }, "includes Redis database 0 or 1"],
    ["a reversed slot range", { redisSlotRange: "9-3" }, "starts after it ends (9 > 3)"],
    [
      "more environments than slots",
      { redisSlotRange: "2-5", maxEnvironments: "10" },
      "is 10 but redisSlotRange holds only 4 Redis databases",
    ],
    [
      "an unknown basic auth mode",
      { basicAuthMode: "always" },
      "`forge-previews:basicAuthMode` must be one of `generated`, `shared`, `off`",
    ],
    [
      "shared basic auth without a password",
      { basicAuthMode: "shared" },
      "`forge-previews:basicAuthPassword` is required when basicAuthMode is `shared`",
    ],
    [
      "clone certificates without a certificate id",
      { certificateMode: "clone" },
      "`forge-previews:wildcardCertificateId` is required",
    ],
    [
      "Cloudflare DNS without a zone",
      { cloudflareDns: "true" },
      "`forge-previews:cloudflareZoneId` must be the 32-character zone id",
    ],
    [
      "a branch name git would refuse",
      { branch: "feature/..x" },
      "`forge-previews:branch` contains `..`, so it is not a git branch name",
    ],
    ["a short commit id", { commitSha: "abc123" }, "`forge-previews:commitSha` must be a full commit id"],
    [
      "a redeploy token with spaces",
      { redeployToken: "run 12" },
      "`forge-previews:redeployToken` must be up to 100 letters",
    ],
    [
      "a plain-http health URL to a remote host",
      { healthUrlTemplate: "http://{domain}/up" },
      "`forge-previews:healthUrlTemplate` must be an https URL",
    ],
    ["a health URL without the domain", { healthUrlTemplate: "https://example.com/up" }, "containing `{domain}`"],
    [
      "a health resolve address that is a host name",
      { healthResolve: "forge.example.com" },
      "`forge-previews:healthResolve` must be empty or an IPv4 or IPv6 address",
    ],
    [
      "a default app that does not exist",
      { defaultApp: "epos" },
      '`forge-previews:defaultApp` names no app in `apps` ("epos")',
    ],
  ])("rejects %s with a message naming the key and the fix", (_case, override, expected) => {
    const problems = problemsOf({ ...VALID, ...override });
    expect(problems.some((p) => p.includes(expected))).toBe(true);
  });

  it("reports every missing secret with the command that sets it", () => {
    const problems = problemsOf(VALID, new Set());
    expect(problems).toStrictEqual([
      `\`forge-previews:forgeToken\` is missing; ${configKey("forgeToken").fix}`,
      `\`forge-previews:sshPrivateKey\` is missing; ${configKey("sshPrivateKey").fix}`,
    ]);
  });

  it("reports all problems at once", () => {
    const problems = problemsOf({ ...VALID, forgeOrg: undefined, previewDomain: "x", redisSlotRange: "0-20" });
    expect(problems).toHaveLength(3);
  });

  it("does not pick a default app when several apps are configured", () => {
    const apps = {
      customer: { repository: "a/customer", masterDatabase: "c_master" },
      epos: { repository: "a/epos", masterDatabase: "e_master" },
    };
    expect(parsePlainConfig({ ...VALID, apps }, ALL_SECRETS).defaultApp).toBeNull();
  });
});

describe("alerts", () => {
  it("sends alerts to no issue when `alerts` is left out, and to `issueRepository` when it is set", () => {
    expect(parsePlainConfig(VALID, ALL_SECRETS).alerts).toStrictEqual({ issueRepository: null });
    const config = parsePlainConfig({ ...VALID, alerts: '{"issueRepository":"acme/ops"}' }, ALL_SECRETS);
    expect(config.alerts).toStrictEqual({ issueRepository: "acme/ops" });
  });

  it("refuses a repository that is not owner/name and a setting it does not know, naming each", () => {
    expect(
      problemsOf({ ...VALID, alerts: { issueRepository: "https://github.com/acme/ops", issueRepo: "x" } }),
    ).toEqual([
      "`forge-previews:alerts.issueRepo` is not an alerts setting (only `issueRepository`); remove it",
      "`forge-previews:alerts.issueRepository` must be a repository as `owner/name`; set it with `pulumi config set --path 'alerts.issueRepository' acme/ops`",
    ]);
    expect(problemsOf({ ...VALID, alerts: "acme/ops" })).toEqual([
      "`forge-previews:alerts` must be an object such as `{ issueRepository: acme/ops }`; set it with `pulumi config set --path 'alerts.issueRepository' acme/ops`",
    ]);
  });
});

describe("Pulumi.yaml config schema", () => {
  const project = parseYaml(fs.readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as {
    config: Record<string, { type: string; description?: string; default?: unknown; secret?: boolean }>;
  };

  it("types and describes every key", () => {
    for (const [key, declaration] of Object.entries(project.config)) {
      expect([key, typeof declaration.type]).toStrictEqual([key, "string"]);
      expect([key, (declaration.description ?? "").length > 10]).toStrictEqual([key, true]);
    }
  });

  it("names the project as the code does", () => {
    expect((project as unknown as { name: string }).name).toBe(PROJECT_NAME);
  });

  it("declares exactly the keys the program reads, with the same defaults", () => {
    const declared = Object.keys(project.config).sort();
    const read = [...PLAIN_KEYS, ...SECRET_KEYS.filter((entry) => entry.required).map((entry) => entry.key)].sort();
    expect(declared).toStrictEqual(read);
    const defaults = Object.fromEntries(
      Object.entries(project.config)
        .filter(([, d]) => "default" in d)
        .map(([k, d]) => [k, d.default]),
    );
    expect(defaults).toStrictEqual(CONFIG_DEFAULTS);
  });

  it("marks the token and the SSH key secret and leaves the optional secrets undeclared", () => {
    const declaredSecrets = SECRET_KEYS.filter((entry) => project.config[entry.key] !== undefined);
    expect(declaredSecrets.map((entry) => [entry.key, project.config[entry.key].secret])).toStrictEqual([
      ["forgeToken", true],
      ["sshPrivateKey", true],
    ]);
    expect(SECRET_KEYS.filter((entry) => !entry.required).map((entry) => entry.key)).toStrictEqual([
      "redisPassword",
      "mysqlPassword",
      "sudoPassword",
      "basicAuthPassword",
    ]);
  });
});

describe("the configuration key table", () => {
  it("gives every secret, and only secrets, an environment variable", () => {
    expect(CONFIG_KEYS.filter((entry) => entry.env !== null).map((entry) => entry.key)).toStrictEqual(
      SECRET_KEYS.map((entry) => entry.key),
    );
  });

  it("lists each key once", () => {
    expect(new Set(CONFIG_KEYS.map((entry) => entry.key)).size).toBe(CONFIG_KEYS.length);
  });

  it("refuses a key it does not list", () => {
    expect(() => configKey("forgeTokn")).toThrow("`forgeTokn` is not a configuration key of this project");
  });
});

describe("loadConfig", () => {
  beforeEach(() => {
    pulumi.runtime.setAllConfig(
      {
        "forge-previews:forgeOrg": "acme",
        "forge-previews:forgeServerId": "42",
        "forge-previews:previewDomain": "staging.example.com",
        "forge-previews:apps": JSON.stringify(VALID.apps),
        "forge-previews:sshHost": "203.0.113.10",
        "forge-previews:sshHostKeyFingerprint": FINGERPRINT,
        "forge-previews:forgeToken": "forge-token-not-for-output",
        "forge-previews:sshPrivateKey": "ssh-key-not-for-output",
        "forge-previews:basicAuthMode": "shared",
        "forge-previews:basicAuthPassword": "basic-auth-password",
        "forge-previews:alerts": '{"issueRepository":"acme/ops"}',
      },
      ["forge-previews:forgeToken", "forge-previews:sshPrivateKey", "forge-previews:basicAuthPassword"],
    );
  });

  it("reads stack config through pulumi.Config and keeps the shared password secret", async () => {
    const config = loadConfig();
    expect(config.forge.serverId).toBe(42);
    expect(config.apps.customer.repository).toBe("acme/customer");
    expect(config.alerts).toStrictEqual({ issueRepository: "acme/ops" });
    expect(config.basicAuthPassword).not.toBeNull();
    expect(await pulumi.isSecret(config.basicAuthPassword!)).toBe(true);
    expect(JSON.stringify(config)).not.toContain("forge-token-not-for-output");
    expect(JSON.stringify(config)).not.toContain("ssh-key-not-for-output");
  });
});

describe("parsePlainConfig app names", () => {
  it("refuses two apps whose database users would collide", () => {
    const apps = {
      customer0000fw: { repository: "a/b", masterDatabase: "m1" },
      customer0000lv: { repository: "a/c", masterDatabase: "m2" },
    };
    expect(problemsOf({ ...VALID, apps })).toContain(
      "`forge-previews:apps.customer0000lv` shares its 16-character database user names with `customer0000fw`; rename one of the two apps",
    );
  });
});
