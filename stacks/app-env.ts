/**
 * What an app's per-app `env` overrides may hold. The preview pins the keys it manages (MANAGED_ENV_KEYS); the keys
 * below are refused too, because Laravel lets each of them redirect a connection those managed keys would otherwise
 * fix (issue #13): a connection URL overrides host, port, database and credentials, a socket overrides host and port,
 * and a connection or store name can pick a connection the app's own config points at production.
 *
 * From laravel/laravel's config/database.php, cache.php, session.php and queue.php (8.x to 12.x).
 */

/** Keys that redirect a connection away from the preview's own database or Redis, with what each one does. */
export const CONNECTION_ENV_KEYS: Readonly<Record<string, string>> = {
  DB_URL: "is a database connection URL, which overrides DB_HOST, DB_PORT, DB_DATABASE, DB_USERNAME and DB_PASSWORD",
  DATABASE_URL: "is a database connection URL (Laravel 8-10), which overrides DB_HOST, DB_DATABASE and the credentials",
  DB_SOCKET: "makes MySQL connect through a unix socket instead of DB_HOST and DB_PORT",
  DB_CACHE_CONNECTION: "names the database connection of the cache store, which may be another than the preview's",
  DB_CACHE_LOCK_CONNECTION: "names the database connection of cache locks, which may be another than the preview's",
  DB_QUEUE_CONNECTION: "names the database connection of the queue, which may be another than the preview's",
  MYSQL_ATTR_INIT_COMMAND: "runs SQL on every MySQL connection, which can switch it to another database",
  MYSQL_ATTR_READ_DEFAULT_FILE: "makes MySQL read an option file, which can set another host, database or user",
  MYSQL_ATTR_READ_DEFAULT_GROUP: "makes MySQL read an option-file group, which can set another host, database or user",
  REDIS_URL: "is a Redis connection URL, which overrides REDIS_HOST, REDIS_PORT and the preview's REDIS_DB",
  REDIS_CLUSTER: "switches Redis to cluster mode, where database numbers (the preview's REDIS_DB) do not exist",
  REDIS_CACHE_CONNECTION: "names the Redis connection of the cache store, which may be another than the preview's",
  REDIS_CACHE_LOCK_CONNECTION: "names the Redis connection of cache locks, which may be another than the preview's",
  REDIS_QUEUE_CONNECTION: "names the Redis connection of the queue, which may be another than the preview's",
  CACHE_STORE: "picks the cache store, which may be one the app's config points at production (Laravel 11+)",
  CACHE_DRIVER: "picks the cache store, which may be one the app's config points at production (Laravel 8-10)",
  SESSION_CONNECTION: "names the connection sessions are kept in, which may be another than the preview's",
  SESSION_STORE: "names the cache store sessions are kept in, which may be one pointing at production",
};

/** The largest value one override may hold, and all of them together: a `.env` is read on every request. */
export const MAX_ENV_VALUE_BYTES = 16 * 1024;
export const MAX_ENV_TOTAL_BYTES = 128 * 1024;

/**
 * The problem with one override's value, as the rest of a sentence that starts with the key, or null. Names sizes and
 * characters, never the value: overrides often hold credentials.
 */
export function envValueProblem(value: string): string | null {
  if (value.includes("\0")) return "contains a NUL character, which a .env file cannot hold";
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_ENV_VALUE_BYTES)
    return `is ${bytes} bytes long, more than the ${MAX_ENV_VALUE_BYTES} a .env value may hold here`;
  return null;
}
