/**
 * What a persistent services dir keeps between runs besides each service's own data: the ports every service listened
 * on (so addresses recorded elsewhere, such as a Pulumi stack's config, stay true) and small 0600 secret files.
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const PORTS_FILE = "ports.json";

/** A port recorded by an earlier run is held by another process now, so the service cannot come back where it was. */
export class RecordedPortTakenError extends Error {
  readonly service: string;
  readonly port: number;

  constructor(service: string, port: number, portsFile: string, resetHint: string) {
    super(
      `Port ${port} on 127.0.0.1, recorded for ${service} in ${portsFile} by an earlier run, is now taken by another process. ` +
        `Stop that process, or start afresh with new ports and empty data: ${resetHint}`,
    );
    this.name = "RecordedPortTakenError";
    this.service = service;
    this.port = port;
  }
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65_536;
}

/** The ports recorded in `<dir>/ports.json` by name; none when the file does not exist yet. */
export function readRecordedPorts(dir: string, resetHint: string): Record<string, number> {
  const file = join(dir, PORTS_FILE);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every(isPort)) {
    throw new Error(
      `${file} is not a JSON object of port numbers by service name; fix or delete it, or start afresh: ${resetHint}`,
    );
  }
  return { ...(parsed as Record<string, number>) };
}

/** Merges `ports` into `<dir>/ports.json`, replacing the file atomically so a crash never leaves half of it. */
export function recordPorts(dir: string, ports: Record<string, number>, resetHint: string): void {
  const file = join(dir, PORTS_FILE);
  const merged = { ...readRecordedPorts(dir, resetHint), ...ports };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** True when nothing listens on 127.0.0.1:`port` (a socket in TIME_WAIT does not count: Node binds with SO_REUSEADDR). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws a RecordedPortTakenError for the first of `ports` (by service name) that another process holds. */
export async function assertRecordedPortsFree(
  dir: string,
  ports: Record<string, number>,
  resetHint: string,
): Promise<void> {
  for (const [service, port] of Object.entries(ports)) {
    if (!(await isPortFree(port))) throw new RecordedPortTakenError(service, port, join(dir, PORTS_FILE), resetHint);
  }
}

/** The secret in `file`, or undefined when there is none yet; a file others could read is tightened to 0600 first. */
export function readSecretFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, "utf8").trim();
  if (secret === "")
    throw new Error(`${file} is empty; delete it so a new secret is generated (a service using it must be reset too)`);
  return secret;
}

/** Writes a secret readable by the owner only, atomically. */
export function writeSecretFile(file: string, secret: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** The secret kept in `file`, created with `generate()` on the first call. */
export function readOrCreateSecret(file: string, generate: () => string): string {
  const existing = readSecretFile(file);
  if (existing !== undefined) return existing;
  const secret = generate();
  writeSecretFile(file, secret);
  return secret;
}
