import { type SshTarget, describeTarget, withSsh } from "../ssh";
import { RedisCommandError, RespClient } from "./resp-client";
import { UserError } from "../common/user-error";

/** A Redis server as the SSH server sees it (on Forge: 127.0.0.1:6379). */
export interface RedisOnServer {
  host: string;
  port: number;
  /** Sent with AUTH over the encrypted channel, never on a command line; omit when Redis has no password. */
  password?: string;
  /** @default 15000 */
  commandTimeoutMs?: number;
}

/**
 * Logs in over SSH, opens a forwarded channel to Redis, authenticates, runs `fn` and closes everything, also when
 * `fn` throws. Authentication problems become a {@link UserError} that names the config key to fix.
 */
export async function withRedisOverSsh<T>(
  target: SshTarget,
  redis: RedisOnServer,
  fn: (client: RespClient) => Promise<T>,
): Promise<T> {
  const where = `Redis ${redis.host}:${redis.port} via SSH ${describeTarget(target)}`;
  return withSsh(target, async (session) => {
    const channel = await session.forwardOut(redis.host, redis.port);
    const client = new RespClient(channel, { where, commandTimeoutMs: redis.commandTimeoutMs });
    try {
      await authenticate(client, redis.password, where);
      return await fn(client);
    } catch (error) {
      throw explainAuthError(error, where);
    } finally {
      await client.close();
    }
  });
}

async function authenticate(client: RespClient, password: string | undefined, where: string): Promise<void> {
  if (password === undefined || password === "") return;
  try {
    await client.command(["AUTH", password]);
  } catch (error) {
    if (
      error instanceof RedisCommandError &&
      error.code === "ERR" &&
      /without any password configured/i.test(error.message)
    ) {
      throw new UserError(
        `${where} has no password, but \`redisPassword\` is set; remove it with \`pulumi config rm redisPassword\``,
      );
    }
    throw error;
  }
}

function explainAuthError(error: unknown, where: string): unknown {
  if (!(error instanceof RedisCommandError)) return error;
  if (error.code === "NOAUTH") {
    return new UserError(
      `${where} requires a password; set it with \`pulumi config set --secret redisPassword\` (requirepass in redis.conf)`,
    );
  }
  if (error.code === "WRONGPASS" || (error.command === "AUTH" && /invalid password/i.test(error.message))) {
    return new UserError(
      `${where} rejected \`redisPassword\`; set the server's requirepass value with \`pulumi config set --secret redisPassword\``,
    );
  }
  return error;
}
