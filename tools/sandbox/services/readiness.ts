import { createServer } from "node:net";
import { exitsWithin, readLogTail, type ServiceProcess } from "./process";

/** A service did not come up; the message carries the tail of its log, which never holds passwords or keys. */
export class ServiceStartError extends Error {
  readonly service: string;
  readonly isPortInUse: boolean;

  constructor(service: string, reason: string, logTail: string, isPortInUse = false) {
    super(`Local ${service} did not start: ${reason}\n--- last lines of its log ---\n${logTail}`);
    this.name = "ServiceStartError";
    this.service = service;
    this.isPortInUse = isPortInUse;
  }
}

const PORT_IN_USE = /address already in use|EADDRINUSE|errno: 98|error: 98/i;

/** Asks the kernel for a free port on 127.0.0.1. Another process may take it before the service binds, hence `withPortRetry`. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("The kernel did not report the port it assigned"));
      });
    });
  });
}

/**
 * Calls `start` with `fixedPort`, or with a fresh free port up to three times when the service lost the race for it.
 */
export async function withPortRetry<T>(fixedPort: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (fixedPort !== undefined) return start(fixedPort);
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await findFreePort());
    } catch (error) {
      if (!(error instanceof ServiceStartError && error.isPortInUse) || attempt >= 3) throw error;
    }
  }
}

/**
 * Polls `probe` until it resolves. Gives up as soon as the process exits, or at the deadline; either way the process
 * is stopped before the error is thrown, so a failed start leaves nothing running.
 */
export async function waitUntilReady(
  proc: ServiceProcess,
  probe: () => Promise<void>,
  {
    timeoutMs,
    intervalMs = 100,
    probeTimeoutMs = 10_000,
  }: { timeoutMs: number; intervalMs?: number; probeTimeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no attempt finished";
  for (;;) {
    if (!proc.isRunning()) {
      const exit = await proc.exited;
      const how = exit.error ? exit.error.message : exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
      const tail = readLogTail(proc.logPath);
      throw new ServiceStartError(
        proc.name,
        `the process exited (${how}) before it was ready`,
        tail,
        PORT_IN_USE.test(tail),
      );
    }
    // A probe that reached the wrong listener (a lost port race) may never answer; the exit check must not wait on it.
    const outcome = await settleProbe(probe(), proc.exited, probeTimeoutMs);
    if (outcome.ok) return;
    if (outcome.error !== undefined) lastError = outcome.error;
    if (Date.now() >= deadline) {
      await proc.stop(2000);
      throw new ServiceStartError(
        proc.name,
        `not ready after ${timeoutMs} ms (last check: ${lastError})`,
        readLogTail(proc.logPath),
      );
    }
    await exitsWithin(proc.exited, intervalMs);
  }
}

type ProbeOutcome = { ok: true } | { ok: false; error?: string };

async function settleProbe(attempt: Promise<void>, exited: Promise<unknown>, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      attempt.then(
        (): ProbeOutcome => ({ ok: true }),
        (error: unknown): ProbeOutcome => ({
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
      exited.then((): ProbeOutcome => ({ ok: false })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
