/**
 * The `.env` keys a preview manages. Everything that could reach production (database, Redis databases and prefixes,
 * mail) is pinned to the preview's own resources, then the app's per-app overrides are added (config refuses overrides
 * of these keys and live credentials).
 */
import type { AppConfig } from "./config-rules";
import type { PreviewNames } from "./naming";

export interface EnvironmentInputs {
  names: PreviewNames;
  app: Pick<AppConfig, "env" | "queue">;
  url: string;
  database: { name: string; user: string; password: string; host: string; port: number };
  redisDb: number;
  /** The server's Redis as the app sees it: the app runs on the Forge server, so always 127.0.0.1. */
  redis: { port: number; password: string | null };
}

export function buildEnvironmentValues(input: EnvironmentInputs): Record<string, string> {
  const { names, database } = input;
  const redisDb = String(input.redisDb);
  return {
    ...input.app.env,
    APP_NAME: `${names.app} PR ${names.pr}`,
    APP_ENV: "preview",
    APP_DEBUG: "false",
    APP_URL: input.url,
    DB_CONNECTION: "mysql",
    DB_HOST: database.host,
    DB_PORT: String(database.port),
    DB_DATABASE: database.name,
    DB_USERNAME: database.user,
    DB_PASSWORD: database.password,
    // Both: Laravel keeps its cache in REDIS_CACHE_DB (default 1), so setting only REDIS_DB would write the preview's
    // cache into production's cache database.
    // The Redis whose database slot this preview holds; a password only where the stack sets `redisPassword`.
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(input.redis.port),
    ...(input.redis.password === null ? {} : { REDIS_PASSWORD: input.redis.password }),
    REDIS_DB: redisDb,
    REDIS_CACHE_DB: redisDb,
    REDIS_PREFIX: names.redisPrefix,
    CACHE_PREFIX: `${names.redisPrefix}cache_`,
    QUEUE_CONNECTION: input.app.queue.connection,
    SESSION_DRIVER: "redis",
    // A copy of production data must never e-mail real customers.
    MAIL_MAILER: "log",
  };
}
