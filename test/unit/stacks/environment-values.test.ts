import { buildEnvironmentValues } from "../../../stacks/environment-values";
import { MANAGED_ENV_KEYS } from "../../../stacks/config-rules";
import { buildPreviewNames } from "../../../stacks/naming";

const names = buildPreviewNames({ app: "customer", pr: 123, isDefaultApp: true, previewDomain: "staging.example.com" });
const input = {
  names,
  app: {
    env: { STRIPE_KEY: "pk_test_123" },
    queue: { connection: "redis", queues: "default", processes: 1, tries: 3 },
  },
  url: "https://pr-123.staging.example.com",
  database: { name: "customer_pr_123", user: "customer_pr123", password: "pw", host: "127.0.0.1", port: 3306 },
  redisDb: 7,
  redis: { port: 6379, password: null },
};

describe("buildEnvironmentValues", () => {
  it("points the database, both Redis databases, the prefixes and mail at the preview's own resources", () => {
    expect(buildEnvironmentValues(input)).toStrictEqual({
      STRIPE_KEY: "pk_test_123",
      APP_NAME: "customer PR 123",
      APP_ENV: "preview",
      APP_DEBUG: "false",
      APP_URL: "https://pr-123.staging.example.com",
      DB_CONNECTION: "mysql",
      DB_HOST: "127.0.0.1",
      DB_PORT: "3306",
      DB_DATABASE: "customer_pr_123",
      DB_USERNAME: "customer_pr123",
      DB_PASSWORD: "pw",
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: "6379",
      REDIS_DB: "7",
      REDIS_CACHE_DB: "7",
      REDIS_PREFIX: "customer_pr123_",
      CACHE_PREFIX: "customer_pr123_cache_",
      QUEUE_CONNECTION: "redis",
      SESSION_DRIVER: "redis",
      MAIL_MAILER: "log",
    });
  });

  it("writes the server's Redis port and, only where the stack has one, its password", () => {
    const withPassword = buildEnvironmentValues({ ...input, redis: { port: 6380, password: "requirepass-value" } });
    expect([withPassword.REDIS_HOST, withPassword.REDIS_PORT, withPassword.REDIS_PASSWORD]).toStrictEqual([
      "127.0.0.1",
      "6380",
      "requirepass-value",
    ]);
    expect(Object.keys(buildEnvironmentValues(input))).not.toContain("REDIS_PASSWORD");
  });

  it("never lets an app override redirect a managed key", () => {
    const hostile = {
      ...input,
      app: {
        ...input.app,
        env: { DB_DATABASE: "customer", REDIS_CACHE_DB: "1", MAIL_MAILER: "smtp", REDIS_HOST: "10.0.0.5" },
      },
    };
    const values = buildEnvironmentValues(hostile);
    expect([values.DB_DATABASE, values.REDIS_CACHE_DB, values.MAIL_MAILER, values.REDIS_HOST]).toStrictEqual([
      "customer_pr_123",
      "7",
      "log",
      "127.0.0.1",
    ]);
  });

  it("manages every key config reserves for it", () => {
    const managed = Object.keys(
      buildEnvironmentValues({ ...input, app: { ...input.app, env: {} }, redis: { port: 6379, password: "pw" } }),
    );
    expect(MANAGED_ENV_KEYS.filter((key) => key !== "APP_KEY" && !managed.includes(key))).toStrictEqual([]);
  });
});
