import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { binaryPath, type BinaryPaths } from "./binaries";
import { readOrCreateSecret } from "./persistence";
import { spawnService, type StartedService } from "./process";
import { waitUntilReady, withPortRetry } from "./readiness";
import type { RedisEndpoint, ServiceStartOptions } from "./types";

/**
 * Runs redis-server on 127.0.0.1 with a password; without `persistent`, with no persistence at all, and with it, keeping
 * the append-only file and the password (in `password`, 0600). The settings go in a 0600 config file rather than on
 * the command line, so the password never shows up in `ps`.
 */
export async function startRedis(
  serviceDir: string,
  bins: BinaryPaths,
  { port: fixedPort, persistent }: ServiceStartOptions,
): Promise<StartedService<RedisEndpoint>> {
  const newPassword = () => randomBytes(24).toString("hex");
  const password = persistent ? readOrCreateSecret(join(serviceDir, "password"), newPassword) : newPassword();
  return withPortRetry(fixedPort, async (port) => {
    const configPath = join(serviceDir, "redis.conf");
    writeFileSync(configPath, buildRedisConfig(serviceDir, port, password, persistent), { mode: 0o600 });
    const proc = spawnService("redis", binaryPath(bins, "redis-server"), [configPath], join(serviceDir, "redis.log"));
    const endpoint: RedisEndpoint = { host: "127.0.0.1", port, password };
    await waitUntilReady(proc, () => pingRedis(endpoint), { timeoutMs: 15_000, intervalMs: 50 });
    return { endpoint, processes: [proc] };
  });
}

function buildRedisConfig(serviceDir: string, port: number, password: string, persistent: boolean): string {
  // Every write is fsynced to the append-only file: the sandbox writes a handful of keys (slot claims), and a claim
  // lost to a crash would make the next `pulumi up` or `destroy` see a database it does not hold.
  const persistence = persistent ? ["appendonly yes", "appendfsync always"] : ["appendonly no"];
  return [
    "bind 127.0.0.1",
    `port ${port}`,
    `requirepass ${password}`,
    'save ""',
    ...persistence,
    "databases 16",
    `dir ${serviceDir}`,
    `pidfile ${join(serviceDir, "redis.pid")}`,
    "daemonize no",
    "protected-mode yes",
    'logfile ""',
    "",
  ].join("\n");
}

/**
 * AUTH + PING over a raw socket with a hard timeout. node-redis has no reply timeout, so a probe that reached a
 * non-Redis listener (a lost port race) would hang and keep the event loop alive.
 */
function pingRedis(e: RedisEndpoint, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: e.host, port: e.port });
    let received = "";
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply to PING within ${timeoutMs} ms`)));
    socket.on("error", finish);
    socket.on("connect", () => socket.write(`AUTH ${e.password}\r\nPING\r\n`));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const lines = received.split("\r\n");
      if (lines.length < 3) return;
      // Only the server's status words are quoted, never anything that was sent.
      if (lines[0] === "+OK" && lines[1] === "+PONG") finish();
      else finish(new Error(`unexpected reply to AUTH/PING: ${lines.slice(0, 2).join(" / ").slice(0, 120)}`));
    });
  });
}
