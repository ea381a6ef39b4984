/**
 * How DbSnapshotClone reaches MySQL on the Forge server, read from stack config at call time (never an input, never
 * captured into state): `mysqlUser` (default `forge`, the account Forge creates with every privilege), the secret
 * `mysqlPassword` (Forge shows it once when the server is provisioned; unset for an account without one, e.g. root
 * over unix_socket when `sshUser` is root), `mysqlSocket` and `mysqlDataDir` (default: the client's default socket
 * and the server's `@@datadir`).
 */
import type { MysqlAccess } from "../db-clone";
import { readStackConfig } from "./stack-config";
import { UserError } from "../common/user-error";

const DEFAULT_MYSQL_USER = "forge";

function optional(key: string): string | null {
  const value = readStackConfig(key)?.trim();
  return value === undefined || value === "" ? null : value;
}

export function mysqlAccessFromStackConfig(): MysqlAccess {
  const user = optional("mysqlUser") ?? DEFAULT_MYSQL_USER;
  const password = readStackConfig("mysqlPassword");
  for (const [key, value] of [
    ["mysqlSocket", optional("mysqlSocket")],
    ["mysqlDataDir", optional("mysqlDataDir")],
  ] as const) {
    if (value !== null && !value.startsWith("/")) {
      throw new UserError(
        `Stack config \`forge-previews:${key}\` must be an absolute path on the Forge server, not ${JSON.stringify(value)}.`,
      );
    }
  }
  return {
    user,
    password: password === undefined || password === "" ? null : password,
    socket: optional("mysqlSocket"),
    dataDir: optional("mysqlDataDir"),
  };
}
