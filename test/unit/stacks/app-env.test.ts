// An app's `env` overrides are refused at config time, before anything is created, when they would redirect the
// preview's connections or could not be written to a .env; messages name the key and never the value.
import { parsePlainConfig, type RawConfig } from "../../../stacks/config-rules";
import { CONNECTION_ENV_KEYS, MAX_ENV_TOTAL_BYTES, MAX_ENV_VALUE_BYTES } from "../../../stacks/app-env";
import { ConfigError } from "../../../providers/common/user-error";

const FINGERPRINT = "SHA256:" + "A".repeat(43);
const SECRET = "s3cr3t-planted-VALUE-9f2c";

function configWithEnv(env: Record<string, unknown>): RawConfig {
  return {
    forgeOrg: "acme",
    forgeServerId: "42",
    previewDomain: "staging.example.com",
    apps: { customer: { repository: "acme/customer", masterDatabase: "customer_master", env } },
    sshHost: "203.0.113.10",
    sshHostKeyFingerprint: FINGERPRINT,
  };
}

function problemsOf(env: Record<string, unknown>): string[] {
  try {
    parsePlainConfig(configWithEnv(env), new Set(["forgeToken", "sshPrivateKey"]));
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("an app's env overrides", () => {
  it.each([
    "DB_URL",
    "DATABASE_URL",
    "DB_SOCKET",
    "REDIS_URL",
    "REDIS_CLUSTER",
    "CACHE_STORE",
    "CACHE_DRIVER",
    "SESSION_CONNECTION",
    "SESSION_STORE",
    "REDIS_QUEUE_CONNECTION",
    "DB_QUEUE_CONNECTION",
    "REDIS_CACHE_CONNECTION",
    "DB_CACHE_CONNECTION",
    "MYSQL_ATTR_INIT_COMMAND",
  ])("refuses %s, which redirects a connection, naming the key and the fix", (key) => {
    const problems = problemsOf({ [key]: `mysql://prod:${SECRET}@db.example.com/shop` });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`\`forge-previews:apps.customer.env.${key}\` ${CONNECTION_ENV_KEYS[key]}`);
    expect(problems[0]).toContain("remove it from the app's env");
    expect(problems[0]).not.toContain(SECRET);
  });

  it.each(["REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"])(
    "refuses %s, which the preview writes itself from the server's Redis, without showing the value",
    (key) => {
      const problems = problemsOf({ [key]: SECRET });

      expect(problems).toStrictEqual([
        expect.stringContaining(`\`forge-previews:apps.customer.env.${key}\` is set by the preview environment itself`),
      ]);
      expect(problems[0]).not.toContain(SECRET);
    },
  );

  it("keeps the keys the preview already manages refused as before", () => {
    expect(problemsOf({ QUEUE_CONNECTION: "sqs", SESSION_DRIVER: "database" })).toStrictEqual([
      expect.stringContaining(
        "`forge-previews:apps.customer.env.QUEUE_CONNECTION` is set by the preview environment itself",
      ),
      expect.stringContaining(
        "`forge-previews:apps.customer.env.SESSION_DRIVER` is set by the preview environment itself",
      ),
    ]);
  });

  it("accepts a TLS option that does not redirect the connection", () => {
    expect(problemsOf({ MYSQL_ATTR_SSL_CA: "/etc/ssl/certs/ca.pem", STRIPE_KEY: "pk_test_123" })).toStrictEqual([]);
  });

  it("refuses a value with a NUL character, naming the key and not the value", () => {
    const problems = problemsOf({ MAIL_FROM_NAME: `Shop${SECRET}\0Preview` });

    expect(problems).toStrictEqual([
      "`forge-previews:apps.customer.env.MAIL_FROM_NAME` contains a NUL character, which a .env file cannot hold; fix or remove the value in the app's env",
    ]);
  });

  it("refuses a value larger than a .env value may be, giving its size and not the value", () => {
    const problems = problemsOf({ BIG: SECRET + "x".repeat(MAX_ENV_VALUE_BYTES) });

    expect(problems).toStrictEqual([
      `\`forge-previews:apps.customer.env.BIG\` is ${SECRET.length + MAX_ENV_VALUE_BYTES} bytes long, more than the ${MAX_ENV_VALUE_BYTES} a .env value may hold here; fix or remove the value in the app's env`,
    ]);
  });

  it("refuses overrides that together exceed the total a .env may hold", () => {
    const count = Math.ceil(MAX_ENV_TOTAL_BYTES / MAX_ENV_VALUE_BYTES) + 1;
    const env = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`BLOB_${i}`, "x".repeat(MAX_ENV_VALUE_BYTES - 10)]),
    );

    expect(problemsOf(env)).toStrictEqual([expect.stringContaining("`forge-previews:apps.customer.env` holds")]);
  });

  it("shows only the leading key characters of a malformed key, so half a KEY=value line does not print its value", () => {
    const problems = problemsOf({ [`DB_PASSWORD=${SECRET}`]: "x" });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("`forge-previews:apps.customer.env.DB_PASSWORD…` is not an upper-case .env key");
    expect(problems[0]).not.toContain(SECRET);
  });
});
