import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { createClient } from "redis";
import { buildDeploymentScript } from "../../providers/deployment/script";
import { buildWorkerCommand } from "../../providers/forge-worker/rules";
import { boxUnavailable } from "../../tools/box/services";
import type { TestServices } from "./services";

const SKIP_REASON = boxUnavailable();

/** `describe` for suites that need the box (root and its packages); skipped elsewhere with the reason in its title. */
export function describeBox(title: string, body: () => void): void {
  if (SKIP_REASON === null) describe(title, body);
  else describe.skip(`${title} (skipped: ${SKIP_REASON})`, body);
}

/** A new temp dir the box's site users can pass through (mkdtemp makes it 0700). */
export function boxTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}

/** A preview's own database on this run's MariaDB, as a clone would leave it: three customers and a login for them. */
export interface DemoDatabase {
  name: string;
  user: string;
  password: string;
  drop(): Promise<void>;
}

async function runSql(services: TestServices, statements: string[]): Promise<void> {
  const m = services.mariadb;
  const connection = await createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    await connection.end();
  }
}

export async function createDemoDatabase(services: TestServices, name: string, user: string): Promise<DemoDatabase> {
  const password = randomBytes(12).toString("hex");
  const drop = () => runSql(services, [`DROP DATABASE IF EXISTS \`${name}\``, `DROP USER IF EXISTS '${user}'@'%'`]);
  await drop();
  await runSql(services, [
    `CREATE DATABASE \`${name}\``,
    `CREATE TABLE \`${name}\`.customers (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, email VARCHAR(190) NOT NULL)`,
    `INSERT INTO \`${name}\`.customers (email) VALUES ('ada@example.test'), ('bob@example.test'), ('cy@example.test')`,
    `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`,
    `GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${user}'@'%'`,
  ]);
  return { name, user, password, drop };
}

/** The demo app's `.env` for `database`, its own Redis DB and key prefix on this run's Redis. */
export function demoEnv(
  services: TestServices,
  database: DemoDatabase,
  redis: { db: number; prefix: string },
  overrides: Record<string, string> = {},
): string {
  const values = {
    APP_NAME: "Demo",
    APP_ENV: "preview",
    APP_KEY: `base64:${randomBytes(32).toString("base64")}`,
    APP_DEBUG: "false",
    DB_CONNECTION: "mysql",
    DB_HOST: "127.0.0.1",
    DB_PORT: String(services.mariadb.port),
    DB_DATABASE: database.name,
    DB_USERNAME: database.user,
    DB_PASSWORD: database.password,
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(services.redis.port),
    REDIS_PASSWORD: services.redis.password,
    REDIS_DB: String(redis.db),
    REDIS_CACHE_DB: String(redis.db),
    REDIS_PREFIX: redis.prefix,
    CACHE_PREFIX: `${redis.prefix}cache_`,
    QUEUE_CONNECTION: "redis",
    ...overrides,
  };
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

/** Runs `use` with a client of this run's Redis. */
export async function withRedis<T>(
  services: TestServices,
  use: (client: ReturnType<typeof connectRedis>) => Promise<T>,
): Promise<T> {
  const client = connectRedis(services);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.quit();
  }
}

function connectRedis(services: TestServices) {
  return createClient({ socket: { host: "127.0.0.1", port: services.redis.port }, password: services.redis.password });
}

/** Removes the keys under `prefix` from Redis DB `db`. */
export function dropRedisKeys(services: TestServices, db: number, prefix: string): Promise<void> {
  return withRedis(services, async (client) => {
    await client.select(db);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
  });
}

/** The Redis DBs (0-15) that hold `key`. */
export function redisDbsHolding(services: TestServices, key: string): Promise<number[]> {
  return withRedis(services, async (client) => {
    const holding: number[] = [];
    for (let db = 0; db < 16; db++) {
      await client.select(db);
      if ((await client.exists(key)) === 1) holding.push(db);
    }
    return holding;
  });
}

/** The project's own queue-worker command for a demo-app site on the box (PHP 8.2, the Redis queue). */
export function demoWorkerCommand(site: { id: number; user: string; directory: string }, name: string): string {
  return buildWorkerCommand({
    ...{ serverId: 1, siteId: site.id, name, isolatedUser: site.user, directory: site.directory },
    ...{ phpVersion: "php82", connection: "redis", queues: "default", processes: 1, tries: 3 },
    ...{ timeoutSeconds: 60, sleepSeconds: 1 },
  });
}

/** The project's own deployment script for a demo-app site on the box: pull `main`, then Laravel's steps. */
export function demoDeploymentScript(siteDirectory: string): string {
  return buildDeploymentScript({
    siteDirectory,
    branch: "main",
    commitSha: null,
    phpVersion: "php82",
    extraScriptLines: [],
  });
}
