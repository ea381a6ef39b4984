/**
 * How DbSnapshotClone reaches MySQL on the Forge server, read from stack config at call time (never an input, never
 * captured into state): `mysqlUser` (default `forge`, the account Forge creates with every privilege), the secret
 * `mysqlPassword` (Forge shows it once when the server is provisioned; unset for an account without one, e.g. root
 * over unix_socket when `sshUser` is root), `mysqlSocket` and `mysqlDataDir` (default: the client's default socket
 * and the server's `@@datadir`), and the secret `sudoPassword` (`sshUser`'s sudo password, for the tablespace copy on
 * a stock Forge server, whose `forge` user's sudo asks for one).
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
  const sudoPassword = (readStackConfig("sudoPassword") ?? "").replace(/\r?\n$/, "");
  if (/[\r\n\0]/.test(sudoPassword)) {
    // Never the value itself: it is a secret.
    throw new UserError(
      "Stack config `forge-previews:sudoPassword` must be one line: the sudo password Forge showed for sshUser at provisioning " +
        "(`pulumi config set --secret sudoPassword`).",
    );
  }
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
    sudoPassword: sudoPassword === "" ? null : sudoPassword,
  };
}
