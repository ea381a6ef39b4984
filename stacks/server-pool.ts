/**
 * The Forge servers previews may be placed on. The top-level keys (forgeServerId, sshHost, ...) name the first; the
 * optional `poolServers` list adds more. A preview stack records the server it was placed on in its own
 * configuration, under the same keys (SERVER_KEYS), so the program and the providers read their server exactly as
 * with one server, and every later `up` or `destroy` goes to the same place.
 */
import { isRecord } from "../providers/common/narrow";
import type { PoolServer } from "../providers/common/pool-server";

export type { PoolServer };

/** The keys that say which server a stack is on; the CLI writes them into each preview stack of a pool. */
export const SERVER_KEYS = [
  "forgeServerId",
  "sshHost",
  "sshPort",
  "sshHostKeyFingerprint",
  "mysqlSocket",
  "mysqlDataDir",
] as const satisfies ReadonlyArray<keyof PoolServer>;

export type ServerKey = (typeof SERVER_KEYS)[number];

/** A problem with one field: the key as a message names it, what is wrong, and the fix. */
export type PoolProblem = [key: string, problem: string, fix: string];

const HOST = /^[A-Za-z0-9.:-]+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const PATH = /^\/[A-Za-z0-9_./-]+$/;
const FIX = "set it with `pulumi config set --path 'poolServers[<i>].<field>' <value>`";

/**
 * The pool: `first` (the top-level keys, already validated) and then each `poolServers` entry, whose sshPort,
 * mysqlSocket and mysqlDataDir default to the first server's. Two entries with one server id are refused; an entry
 * with the first server's id is that server, so the top-level keys stand for it.
 */
export function parseServerPool(raw: unknown, first: PoolServer): { pool: PoolServer[]; problems: PoolProblem[] } {
  const problems: PoolProblem[] = [];
  let value = raw ?? [];
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { pool: [first], problems: [["poolServers", "is not valid JSON", FIX]] };
    }
  }
  if (!Array.isArray(value)) {
    return { pool: [first], problems: [["poolServers", "must be a list of servers", FIX]] };
  }
  const pool = [first];
  value.forEach((entry: unknown, index) => {
    const at = (field: string): string => `poolServers[${index}].${field}`;
    if (!isRecord(entry)) {
      problems.push([`poolServers[${index}]`, "must be an object", FIX]);
      return;
    }
    const id = Number(entry.forgeServerId);
    // A preview stack placed on a pool server has that server's keys at the top level: its entry is then the first.
    if (id === first.forgeServerId) return;
    if (!Number.isSafeInteger(id) || id < 1) problems.push([at("forgeServerId"), "must be a Forge server id", FIX]);
    else if (pool.some((server) => server.forgeServerId === id))
      problems.push([at("forgeServerId"), `repeats server ${id}`, "list each server once"]);
    const host = typeof entry.sshHost === "string" ? entry.sshHost.trim() : "";
    if (!HOST.test(host)) problems.push([at("sshHost"), "must be a host name or IP address", FIX]);
    const port = entry.sshPort === undefined ? first.sshPort : Number(entry.sshPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push([at("sshPort"), "must be a port number 1-65535", FIX]);
    const fingerprint = typeof entry.sshHostKeyFingerprint === "string" ? entry.sshHostKeyFingerprint.trim() : "";
    if (!FINGERPRINT.test(fingerprint))
      problems.push([
        at("sshHostKeyFingerprint"),
        "must be the server's SHA256 host key fingerprint",
        "copy it from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on that server",
      ]);
    const paths: Record<"mysqlSocket" | "mysqlDataDir", string> = {
      mysqlSocket: first.mysqlSocket,
      mysqlDataDir: first.mysqlDataDir,
    };
    for (const field of ["mysqlSocket", "mysqlDataDir"] as const) {
      const given = entry[field];
      if (given === undefined) continue;
      if (typeof given === "string" && (given === "" || PATH.test(given))) paths[field] = given;
      else problems.push([at(field), "must be empty or an absolute path without spaces", FIX]);
    }
    pool.push({ forgeServerId: id, sshHost: host, sshPort: port, sshHostKeyFingerprint: fingerprint, ...paths });
  });
  return { pool, problems };
}

/** The stack config values that put a stack on `server`. */
export function serverConfigValues(server: PoolServer): Record<ServerKey, string> {
  return Object.fromEntries(SERVER_KEYS.map((key) => [key, String(server[key])])) as Record<ServerKey, string>;
}

/** How messages name a server. */
export function describeServer(server: PoolServer): string {
  return `server ${server.forgeServerId} (${server.sshHost}:${server.sshPort})`;
}
