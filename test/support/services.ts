import { isRecord } from "../../providers/common/narrow";
import type { Connection } from "mysql2/promise";
import type { SshTarget } from "../../providers/ssh";
import type { MariaDbEndpoint, RedisEndpoint, SshEndpoint } from "../../tools/sandbox/local-services";

/** Set by global-setup.ts (or by whoever runs jest against services it started) to `describeServices()` JSON. */
export const TEST_SERVICES_ENV = "FORGE_PREVIEWS_TEST_SERVICES";

export interface TestServices {
  mariadb: MariaDbEndpoint;
  redis: RedisEndpoint;
  ssh: SshEndpoint;
}

function requireFields<T>(value: unknown, path: string, fields: Record<keyof T, "string" | "number">): T {
  if (!isRecord(value)) throw new Error(`${TEST_SERVICES_ENV} has no \`${path}\` object`);
  for (const [field, type] of Object.entries(fields)) {
    if (typeof value[field] !== type) throw new Error(`${TEST_SERVICES_ENV} has no ${type} \`${path}.${field}\``);
  }
  if (value.host !== "127.0.0.1") throw new Error(`${TEST_SERVICES_ENV} \`${path}.host\` must be 127.0.0.1`);
  return value as T;
}

/** Parses and checks the JSON in `FORGE_PREVIEWS_TEST_SERVICES`; each error names the missing field. */
export function parseTestServices(raw: string): TestServices {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${TEST_SERVICES_ENV} is not JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) throw new Error(`${TEST_SERVICES_ENV} must be a JSON object`);
  return {
    mariadb: requireFields<MariaDbEndpoint>(parsed.mariadb, "mariadb", {
      host: "string",
      port: "number",
      user: "string",
      password: "string",
      socket: "string",
      dataDir: "string",
    }),
    redis: requireFields<RedisEndpoint>(parsed.redis, "redis", { host: "string", port: "number", password: "string" }),
    ssh: requireFields<SshEndpoint>(parsed.ssh, "ssh", {
      host: "string",
      port: "number",
      user: "string",
      privateKey: "string",
      privateKeyPath: "string",
      publicKey: "string",
      hostKeyFingerprint: "string",
      hostPublicKey: "string",
    }),
  };
}

/** The MariaDB, Redis and SSH servers started for this test run. */
export function testServices(): TestServices {
  const raw = process.env[TEST_SERVICES_ENV];
  if (raw === undefined || raw === "") {
    throw new Error(
      `${TEST_SERVICES_ENV} is not set, so there are no local MariaDB/Redis/SSH servers for this test. ` +
        `Run jest with \`globalSetup: "<rootDir>/test/support/global-setup.ts"\` and ` +
        `\`globalTeardown: "<rootDir>/test/support/global-teardown.ts"\` in jest.config.js, or export the variable ` +
        `with describeServices() JSON from running servers.`,
    );
  }
  return parseTestServices(raw);
}

/** The local sshd as a provider's SSH target: the login, its key and the pinned host key. */
export function sshTarget(services: TestServices = testServices()): SshTarget {
  const { ssh } = services;
  return {
    host: ssh.host,
    port: ssh.port,
    user: ssh.user,
    privateKey: ssh.privateKey,
    hostKeyFingerprint: ssh.hostKeyFingerprint,
  };
}

/**
 * The stack config that points the server-side providers at this run's sshd, with the MariaDB account (`mysql`) and
 * the Redis password (`redis`) when the provider needs them.
 */
export function serverSideConfig(
  services: TestServices,
  needs: { mysql?: boolean; redis?: boolean },
): Record<string, string> {
  return {
    "forge-previews:sshHost": services.ssh.host,
    "forge-previews:sshPort": String(services.ssh.port),
    "forge-previews:sshUser": services.ssh.user,
    "forge-previews:sshPrivateKey": services.ssh.privateKey,
    "forge-previews:sshHostKeyFingerprint": services.ssh.hostKeyFingerprint,
    ...(needs.mysql === true && {
      "forge-previews:mysqlUser": services.mariadb.user,
      "forge-previews:mysqlPassword": services.mariadb.password,
      "forge-previews:mysqlSocket": services.mariadb.socket,
    }),
    ...(needs.redis === true && {
      "forge-previews:redisPassword": services.redis.password,
      "forge-previews:redisPort": String(services.redis.port),
    }),
  };
}

/** Fails the test when `text` holds the MariaDB or Redis password or any line of the SSH private key. */
export function expectNoServerSecrets(text: string, services: TestServices): void {
  expect(text).not.toContain(services.mariadb.password);
  expect(text).not.toContain(services.redis.password);
  const keyLines = services.ssh.privateKey.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
  for (const line of keyLines) expect(text).not.toContain(line);
}

/** A connection to the test MariaDB over TCP (as a preview's app connects), as root unless `account` says otherwise. */
export async function connectOverTcp(
  account: { user: string; password: string; database?: string } = testServices().mariadb,
): Promise<Connection> {
  const { host, port } = testServices().mariadb;
  const mysql = await import("mysql2/promise");
  return mysql.createConnection({
    host,
    port,
    user: account.user,
    password: account.password,
    database: account.database,
  });
}
