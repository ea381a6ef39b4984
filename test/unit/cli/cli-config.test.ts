// The CLI's environment: backend and passphrase, where shared configuration comes from, and which secrets the
// environment holds. Every refusal names the variable or key and says what to do.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as cliConfig from "../../../cli/cli-config";
import { UserError } from "../../../providers/common/user-error";

describe("cliConfig.readBackendSettings", () => {
  it("names PULUMI_BACKEND_URL when it is missing", () => {
    expect(() => cliConfig.readBackendSettings({ PULUMI_CONFIG_PASSPHRASE: "x" })).toThrow(
      /PULUMI_BACKEND_URL is not set.*s3:\/\//s,
    );
  });

  it("asks for the passphrase on a DIY backend without a secrets provider", () => {
    expect(() => cliConfig.readBackendSettings({ PULUMI_BACKEND_URL: "s3://state" })).toThrow(
      /Neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set/,
    );
  });

  it("accepts an empty passphrase, a readable passphrase file, a KMS provider, or Pulumi Cloud", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cli-config-"));
    try {
      const file = path.join(dir, "passphrase");
      writeFileSync(file, "secret\n");
      expect(
        cliConfig.readBackendSettings({ PULUMI_BACKEND_URL: "file:///state", PULUMI_CONFIG_PASSPHRASE: "" }),
      ).toEqual({
        backendUrl: "file:///state",
        secretsProvider: null,
      });
      expect(
        cliConfig.readBackendSettings({ PULUMI_BACKEND_URL: "file:///state", PULUMI_CONFIG_PASSPHRASE_FILE: file })
          .secretsProvider,
      ).toBeNull();
      expect(
        cliConfig.readBackendSettings({
          PULUMI_BACKEND_URL: "s3://state",
          FORGE_PREVIEWS_SECRETS_PROVIDER: "awskms://alias/x",
        }).secretsProvider,
      ).toBe("awskms://alias/x");
      expect(
        cliConfig.readBackendSettings({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }).secretsProvider,
      ).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a passphrase file that cannot be read", () => {
    expect(() =>
      cliConfig.readBackendSettings({
        PULUMI_BACKEND_URL: "file:///s",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/pass",
      }),
    ).toThrow("PULUMI_CONFIG_PASSPHRASE_FILE names /nonexistent/pass, which cannot be read");
  });
});

describe("cliConfig.parseSharedConfig", () => {
  it("reads YAML with bare and namespaced keys, objects as JSON with their parsed value", () => {
    const entries = cliConfig.parseSharedConfig(
      "forgeOrg: acme\nforge-previews:forgeServerId: 42\napps:\n  shop: {repository: acme/shop, masterDatabase: shop_master}\n",
      "test",
    );

    expect(entries).toEqual({
      "forge-previews:forgeOrg": { value: "acme", secret: false },
      "forge-previews:forgeServerId": { value: "42", secret: false },
      "forge-previews:apps": {
        value: '{"shop":{"repository":"acme/shop","masterDatabase":"shop_master"}}',
        secret: false,
        objectValue: { shop: { repository: "acme/shop", masterDatabase: "shop_master" } },
      },
    });
  });

  it("reads a copy of a stack file, whose keys sit under `config:`", () => {
    expect(
      cliConfig.parseSharedConfig(
        '{"encryptionsalt": "v1:x", "config": {"forge-previews:previewDomain": "p.example.com"}}',
        "test",
      ),
    ).toEqual({
      "forge-previews:previewDomain": { value: "p.example.com", secret: false },
    });
  });

  it("refuses secrets, per-stack keys and encrypted values all at once, naming where each belongs", () => {
    const text = "forgeToken: abc\nsshPrivateKey: k\nbranch: main\nredisPassword:\n  secure: v1:xyz\n";
    expect(() => cliConfig.parseSharedConfig(text, "FORGE_PREVIEWS_CONFIG")).toThrow(
      "FORGE_PREVIEWS_CONFIG has 4 problems:\n" +
        "  - `forgeToken` is a secret; remove it and put it in the FORGE_TOKEN environment variable\n" +
        "  - `sshPrivateKey` is a secret; remove it and put it in the FORGE_PREVIEWS_SSH_PRIVATE_KEY environment variable\n" +
        "  - `branch` is set per stack by the CLI; remove it\n" +
        "  - `redisPassword` is a secret; remove it and put it in the FORGE_PREVIEWS_REDIS_PASSWORD environment variable",
    );
  });

  it("refuses text that is not a map, and keys that are not config keys", () => {
    expect(() => cliConfig.parseSharedConfig("- a\n- b\n", "X")).toThrow("X must be a map of config keys to values");
    expect(() => cliConfig.parseSharedConfig("'bad key': 1\n", "X")).toThrow("`bad key` is not a config key");
    expect(() => cliConfig.parseSharedConfig("a: [\n", "X")).toThrow(/X is not valid YAML or JSON/);
  });
});

describe("cliConfig.readConfigSource", () => {
  const secrets = { FORGE_TOKEN: "tok-123456", FORGE_PREVIEWS_SSH_PRIVATE_KEY: "-----BEGIN KEY-----\nabc\n" };

  it("takes the shared file plus the secret variables", () => {
    const source = cliConfig.readConfigSource(
      { FORGE_PREVIEWS_CONFIG_FILE: "/etc/shared.yaml", ...secrets },
      (file) => {
        expect(file).toBe("/etc/shared.yaml");
        return "forgeOrg: acme\n";
      },
    );

    expect(source).toEqual({
      kind: "shared",
      origin: "FORGE_PREVIEWS_CONFIG_FILE (/etc/shared.yaml)",
      entries: {
        "forge-previews:forgeOrg": { value: "acme", secret: false },
        "forge-previews:forgeToken": { value: "tok-123456", secret: true },
        "forge-previews:sshPrivateKey": { value: "-----BEGIN KEY-----\nabc\n", secret: true },
      },
    });
  });

  it("takes inline JSON, a stack to copy from, or nothing (the stack's own configuration)", () => {
    expect(cliConfig.readConfigSource({ FORGE_PREVIEWS_CONFIG: '{"forgeOrg":"acme"}' })).toEqual({
      kind: "shared",
      origin: "FORGE_PREVIEWS_CONFIG",
      entries: { "forge-previews:forgeOrg": { value: "acme", secret: false } },
    });
    expect(cliConfig.readConfigSource({ FORGE_PREVIEWS_CONFIG_STACK: "snapshots" })).toEqual({
      kind: "stack",
      stack: "snapshots",
    });
    expect(cliConfig.readConfigSource({})).toEqual({ kind: "existing" });
  });

  it("refuses two sources at once and an unreadable file", () => {
    expect(() => cliConfig.readConfigSource({ FORGE_PREVIEWS_CONFIG: "{}", FORGE_PREVIEWS_CONFIG_STACK: "s" })).toThrow(
      /Set only one of/,
    );
    expect(() => cliConfig.readConfigSource({ FORGE_PREVIEWS_CONFIG_FILE: "/nonexistent/x.yaml" })).toThrow(
      /FORGE_PREVIEWS_CONFIG_FILE \(\/nonexistent\/x.yaml\) cannot be read/,
    );
  });
});

describe("secrets from the environment", () => {
  it("maps each secret variable to its config key and skips empty ones", () => {
    const env = { FORGE_TOKEN: "tok", FORGE_PREVIEWS_REDIS_PASSWORD: "", FORGE_PREVIEWS_MYSQL_PASSWORD: "pw" };
    expect(cliConfig.secretEntriesFromEnv(env)).toEqual({
      "forge-previews:forgeToken": { value: "tok", secret: true },
      "forge-previews:mysqlPassword": { value: "pw", secret: true },
    });
    expect(cliConfig.secretValuesFromEnv(env).sort()).toEqual(["pw", "tok"]);
  });

  it("turns entries into raw config for the program's rules, counting set secrets without their values", () => {
    const { raw, secretsSet } = cliConfig.toRawConfig({
      "forge-previews:apps": { value: "{}", secret: false, objectValue: { a: 1 } },
      "forge-previews:forgeOrg": { value: "acme", secret: false },
      "forge-previews:forgeToken": { value: "tok", secret: true },
      "forge-previews:redisPassword": { value: "", secret: true },
      "cloudflare:apiToken": { value: "cf", secret: true },
    });
    expect(raw).toEqual({ apps: { a: 1 }, forgeOrg: "acme" });
    expect([...secretsSet]).toEqual(["forgeToken"]);
  });
});

describe("cliConfig.parseOptions", () => {
  const spec = { pr: { type: "string" }, json: { type: "boolean" } } as const;

  it("parses known options and positionals", () => {
    expect(cliConfig.parseOptions(["--pr", "7", "--json", "extra"], spec)).toEqual({
      values: { pr: "7", json: true },
      positionals: ["extra"],
    });
  });

  it("turns an unknown option or a missing value into a cliConfig.UsageError that names it", () => {
    expect(() => cliConfig.parseOptions(["--nope"], spec)).toThrow(cliConfig.UsageError);
    expect(() => cliConfig.parseOptions(["--nope"], spec)).toThrow("Unknown option '--nope'");
    expect(() => cliConfig.parseOptions(["--pr"], spec)).toThrow(/--pr/);
  });

  it("names a required option that is missing", () => {
    expect(() => cliConfig.requireOption(undefined, "--sha", "the PR's head commit")).toThrow(
      new cliConfig.UsageError("`--sha` is required: the PR's head commit."),
    );
    expect(new cliConfig.UsageError("x")).toBeInstanceOf(UserError);
  });
});
