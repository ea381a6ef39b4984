/**
 * A preview's Redis database: its key count (`INFO keyspace`), an estimate of its memory and its queue depth.
 * Redis keeps no memory figure per database, so the memory is estimated: up to SAMPLE_KEYS keys of the database
 * (SCAN's first answers) are measured with `MEMORY USAGE`, and their mean is multiplied by the key count. With no
 * more keys than that, the figure is their exact sum. The estimate and how it was made are reported together.
 */
import type { RespClient, RespValue } from "../../providers/redis";

export const SAMPLE_KEYS = 64;

export interface QueueDepth {
  queue: string;
  /** Jobs waiting (`LLEN <prefix>queues:<queue>`). */
  ready: number;
  /** Jobs delayed and jobs a worker holds (`ZCARD` of `:delayed` and `:reserved`). */
  delayed: number;
  reserved: number;
}

export interface RedisDbFacts {
  db: number;
  keys: number;
  expires: number;
  /** The estimate described above; null when Redis has no `MEMORY USAGE` (before 4.0). */
  memoryBytes: number | null;
  /** How many keys were measured for the estimate; equal to `keys` when it is exact. */
  sampledKeys: number;
  queues: QueueDepth[];
}

export interface RedisDbRequest {
  db: number;
  /** The preview's REDIS_PREFIX; Laravel's Redis queue keys are `<prefix>queues:<queue>`. */
  prefix: string;
  /** The queues its worker serves; empty when the app's queue connection is not Redis. */
  queues: readonly string[];
}

/** Every database's `keys` and `expires`, from one `INFO keyspace`. */
export async function readKeyspace(client: RespClient): Promise<Map<number, { keys: number; expires: number }>> {
  const info = String(await client.command(["INFO", "keyspace"]));
  const spaces = new Map<number, { keys: number; expires: number }>();
  for (const match of info.matchAll(/^db(\d+):keys=(\d+),expires=(\d+)/gm))
    spaces.set(Number(match[1]), { keys: Number(match[2]), expires: Number(match[3]) });
  return spaces;
}

/** The facts of each requested database, read with one client (which ends up on the last database selected). */
export async function readRedisFacts(client: RespClient, requests: readonly RedisDbRequest[]): Promise<RedisDbFacts[]> {
  const keyspace = await readKeyspace(client);
  const facts: RedisDbFacts[] = [];
  for (const request of requests) {
    const { keys, expires } = keyspace.get(request.db) ?? { keys: 0, expires: 0 };
    await client.command(["SELECT", request.db]);
    const { memoryBytes, sampledKeys } = await estimateMemory(client, keys);
    const queues: QueueDepth[] = [];
    for (const queue of request.queues) {
      const key = `${request.prefix}queues:${queue}`;
      queues.push({
        queue,
        ready: asCount(await client.command(["LLEN", key])),
        delayed: asCount(await client.command(["ZCARD", `${key}:delayed`])),
        reserved: asCount(await client.command(["ZCARD", `${key}:reserved`])),
      });
    }
    facts.push({ db: request.db, keys, expires, memoryBytes, sampledKeys, queues });
  }
  return facts;
}

async function estimateMemory(
  client: RespClient,
  keys: number,
): Promise<{ memoryBytes: number | null; sampledKeys: number }> {
  if (keys === 0) return { memoryBytes: 0, sampledKeys: 0 };
  const sample: string[] = [];
  let cursor = "0";
  do {
    const reply = await client.command(["SCAN", cursor, "COUNT", SAMPLE_KEYS]);
    if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1]))
      throw new Error("SCAN gave no key list");
    cursor = String(reply[0]);
    for (const key of reply[1]) if (sample.length < SAMPLE_KEYS) sample.push(String(key));
  } while (cursor !== "0" && sample.length < SAMPLE_KEYS);
  let total = 0;
  let measured = 0;
  for (const key of sample) {
    let usage: RespValue;
    try {
      usage = await client.command(["MEMORY", "USAGE", key]);
    } catch {
      return { memoryBytes: null, sampledKeys: 0 };
    }
    // A key that expired between SCAN and MEMORY USAGE answers nil and is left out of the mean.
    if (typeof usage === "number") {
      total += usage;
      measured += 1;
    }
  }
  if (measured === 0) return { memoryBytes: 0, sampledKeys: 0 };
  return measured >= keys
    ? { memoryBytes: total, sampledKeys: measured }
    : { memoryBytes: Math.round((total / measured) * keys), sampledKeys: measured };
}

function asCount(value: RespValue): number {
  return typeof value === "number" ? value : 0;
}
