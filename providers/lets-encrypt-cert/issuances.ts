/**
 * Let's Encrypt's duplicate-certificate limit counts what it issued for one set of names in the last 7 days, whatever
 * became of the site since, so a PR destroyed and previewed again a few times asks again for the very same name. Forge
 * forgets a certificate with its site and `destroy` removes the stack and its state, so the count lives where every CI
 * runner reaches it and that outlives any stack: the server's Redis (over the SSH login the preview already uses),
 * beside the Redis slot claims in DB 0, as one sorted set of issuance times per domain. Certificates issued outside
 * forge-previews (Forge's UI, another tool) are not in it, and a server whose Redis loses its data starts again at zero.
 */
import { type RedisOnServer, SLOT_CLAIMS_DB, withRedisOverSsh } from "../redis";
import type { RespClient } from "../redis";
import { readStackConfig } from "../runtime";
import { sshTargetFromStackConfig } from "../ssh";
import { DUPLICATE_WINDOW_MS } from "./rules";

/** One sorted set per domain: member = certificate id, score = when it was issued (epoch ms). */
export const ISSUANCES_KEY_PREFIX = "forge-previews:letsencrypt-issued:";

function redisOnServer(): RedisOnServer {
  const port = Number(readStackConfig("redisPort") ?? "6379");
  const password = readStackConfig("redisPassword");
  return { host: "127.0.0.1", port, ...(password ? { password } : {}) };
}

async function withIssuances<T>(domain: string, fn: (redis: RespClient, key: string) => Promise<T>): Promise<T> {
  return withRedisOverSsh(sshTargetFromStackConfig(), redisOnServer(), async (redis) => {
    await redis.command(["SELECT", SLOT_CLAIMS_DB]);
    return fn(redis, `${ISSUANCES_KEY_PREFIX}${domain}`);
  });
}

/** When Let's Encrypt issued certificates for `domain` in the 7 days before `now`, oldest first (epoch ms). */
export function recentIssuances(domain: string, now: number): Promise<number[]> {
  return withIssuances(domain, async (redis, key) => {
    await redis.command(["ZREMRANGEBYSCORE", key, "-inf", now - DUPLICATE_WINDOW_MS]);
    const reply = await redis.command(["ZRANGE", key, 0, -1, "WITHSCORES"]);
    const flat = Array.isArray(reply) ? reply : [];
    return flat.filter((_value, index) => index % 2 === 1).map(Number);
  });
}

/**
 * Records that certificate `certificateId` for `domain` was issued by `now`. A certificate already recorded keeps its
 * first time (NX), so recording it again after an adoption or a resumed wait neither counts it twice nor moves it.
 */
export function recordIssuance(domain: string, certificateId: number, now: number): Promise<void> {
  return withIssuances(domain, async (redis, key) => {
    await redis.command(["ZADD", key, "NX", now, String(certificateId)]);
    await redis.command(["PEXPIRE", key, DUPLICATE_WINDOW_MS]);
  });
}
