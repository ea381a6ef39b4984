/**
 * How the CLI reaches the preview server outside a Pulumi run: the SSH login, the MySQL account and Redis, all from
 * configuration entries (shared configuration plus the secret variables, or a stack's own). The providers read the
 * same keys from the stack config at call time; the CLI has them as entries.
 */
import { buildOptionFile, type MysqlAccess, parseBatchRows } from "../../providers/db-clone";
import type { RedisOnServer } from "../../providers/redis";
import { type SshSession, type SshTarget, withRemoteSecretFile } from "../../providers/ssh";
import type { PlainConfig } from "../../stacks/config-rules";
import { type ConfigEntries, fullKey } from "../cli-config";

export interface ServerAccess {
  ssh: SshTarget;
  mysql: MysqlAccess;
  redis: RedisOnServer;
}

/** The server of `config`, with the secrets in `entries`; a missing SSH key names its variable. */
export function serverAccess(config: PlainConfig, entries: ConfigEntries): ServerAccess {
  const value = (key: string): string | null => entries[fullKey(key)]?.value.trim() || null;
  const privateKey = entries[fullKey("sshPrivateKey")]?.value ?? "";
  if (privateKey === "")
    throw new Error("sshPrivateKey is not set: give it in FORGE_PREVIEWS_SSH_PRIVATE_KEY (or the stack's secret)");
  return {
    ssh: {
      host: config.ssh.host,
      port: config.ssh.port,
      user: config.ssh.user,
      privateKey,
      hostKeyFingerprint: config.ssh.hostKeyFingerprint,
      connectTimeoutMs: 15_000,
    },
    mysql: {
      user: value("mysqlUser") ?? "forge",
      password: entries[fullKey("mysqlPassword")]?.value || null,
      socket: value("mysqlSocket"),
      dataDir: value("mysqlDataDir"),
    },
    redis: {
      host: "127.0.0.1",
      port: config.redisPort,
      password: entries[fullKey("redisPassword")]?.value || undefined,
    },
  };
}

/** Runs read-only `sql` with the server's mysql client (credentials in a 0600 option file) and returns its rows. */
export async function queryMysql(session: SshSession, access: MysqlAccess, sql: string): Promise<string[][]> {
  const result = await withRemoteSecretFile(session, buildOptionFile(access), (file) =>
    session.execChecked(["mysql", `--defaults-extra-file=${file}`, "--batch", "--skip-column-names"], {
      stdin: sql,
      timeoutMs: 60_000,
    }),
  );
  return parseBatchRows(result.stdout);
}
