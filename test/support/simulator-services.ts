import type { MariaDbConnection } from "../../tools/simulator";

/**
 * Reads the local services the jest global setup started (env `FORGE_PREVIEWS_TEST_SERVICES`,
 * JSON `{ mariadb: {host, port, user, password}, ... }`).
 */
export function testMariaDb(): MariaDbConnection {
  const raw = process.env.FORGE_PREVIEWS_TEST_SERVICES;
  if (raw === undefined || raw === "") {
    throw new Error(
      "FORGE_PREVIEWS_TEST_SERVICES is not set: run the suite through jest's global setup (tools/sandbox/local-services.ts), " +
        'or export it by hand, e.g. {"mariadb":{"host":"127.0.0.1","port":3306,"user":"root","password":"..."}}.',
    );
  }
  const parsed = JSON.parse(raw) as { mariadb?: Partial<MariaDbConnection> };
  const mariadb = parsed.mariadb;
  if (
    mariadb === undefined ||
    typeof mariadb.host !== "string" ||
    typeof mariadb.port !== "number" ||
    typeof mariadb.user !== "string"
  ) {
    throw new Error(
      "FORGE_PREVIEWS_TEST_SERVICES has no usable `mariadb` entry: it needs host (string), port (number), user and password.",
    );
  }
  return { host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password ?? "" };
}
