import type { Duplex } from "node:stream";
import { inspect } from "node:util";
import type { Client, ClientChannel } from "ssh2";
import { openSshClient } from "./connect";
import { SshCommandError, SshConnectError, SshError, SshTimeoutError, describeTarget } from "./errors";
import { OutputTail, tailOf } from "./output-tail";
import { PidLineReader, buildTrackedCommand } from "./remote-pid";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOptions,
  type ExecResult,
  type SshTarget,
} from "./types";

const CLOSE_GRACE_MS = 5_000;
const KILL_TIMEOUT_MS = 10_000;

/**
 * One authenticated SSH connection to a server whose host key was verified. Commands are argv arrays, quoted by
 * {@link buildShellCommand}; several may run at once on one session (up to the server's MaxSessions, 10 by default).
 */
export class SshSession {
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly whenClosed: Promise<void>;
  /** Rejects everything still waiting on this connection when it drops. */
  private readonly pending = new Set<(error: Error) => void>();

  private readonly target: Omit<SshTarget, "privateKey">;

  private constructor(
    private readonly client: Client,
    target: SshTarget,
  ) {
    // Only what error messages need; the key stays with ssh2 for the life of the connection.
    this.target = {
      host: target.host,
      port: target.port,
      user: target.user,
      hostKeyFingerprint: target.hostKeyFingerprint,
      connectTimeoutMs: target.connectTimeoutMs,
    };
    this.whenClosed = new Promise((resolve) => client.once("close", () => resolve()));
    // After login, errors surface through the operation they break; without a listener they would crash the host.
    client.on("error", () => undefined);
    client.once("close", () => {
      this.closed = true;
      const error = new SshConnectError(`SSH connection to ${this.where} closed unexpectedly`);
      for (const fail of [...this.pending]) fail(error);
    });
  }

  /** Connects and logs in; see {@link openSshClient} for the checks and errors. */
  static async connect(target: SshTarget): Promise<SshSession> {
    return new SshSession(await openSshClient(target), target);
  }

  /** Logging a session shows where it is connected, never the ssh2 client (whose config holds the key). */
  [inspect.custom](): string {
    return `SshSession { ${this.where}${this.closed ? ", closed" : ""} }`;
  }

  private get where(): string {
    return describeTarget(this.target);
  }

  /** Runs `argv` and resolves with its exit code and output; a non-zero exit is a result, not an error. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = buildTrackedCommand(argv);
    const program = argv[0] as string;
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return this.track<ExecResult>((resolve, reject) => {
      const stdout = new OutputTail(maxBytes, options.onStdout);
      const stderr = new OutputTail(maxBytes, options.onStderr);
      const pidLine = new PidLineReader((chunk) => stderr.push(chunk));
      let exitCode: number | null = null;
      let signal: string | null = null;
      let channel: ClientChannel | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void this.killCommand(channel, pidLine.pid).then((outcome) => {
          reject(
            new SshTimeoutError(`\`${program}\` on ${this.where} did not finish within ${timeoutMs} ms; ${outcome}`),
          );
        });
      }, timeoutMs);
      const done = (error: Error | undefined, result?: ExecResult): void => {
        clearTimeout(timer);
        if (timedOut) return;
        if (error) reject(error);
        else resolve(result as ExecResult);
      };
      this.client.exec(command, (error, opened) => {
        if (error) {
          done(new SshError(`Could not start \`${program}\` on ${this.where}: ${error.message}`, { cause: error }));
          return;
        }
        if (timedOut) {
          // The deadline passed while the channel was opening; there is no pid to kill yet.
          opened.close();
          return;
        }
        channel = opened;
        opened.on("data", (chunk: Buffer) => stdout.push(chunk));
        opened.stderr.on("data", (chunk: Buffer) => pidLine.push(chunk));
        opened.on("exit", (code: number | null, signalName?: string) => {
          exitCode = typeof code === "number" ? code : null;
          signal = typeof signalName === "string" ? signalName : null;
        });
        opened.on("close", () => {
          pidLine.finish();
          done(undefined, { exitCode: exitCode ?? -1, signal, stdout: stdout.finish(), stderr: stderr.finish() });
        });
        opened.on("error", (channelError: Error) => {
          done(
            new SshError(`\`${program}\` on ${this.where}: channel failed: ${channelError.message}`, {
              cause: channelError,
            }),
          );
        });
        if (options.stdin === undefined) opened.end();
        else opened.end(options.stdin);
      });
    });
  }

  /** Like {@link exec}, but a non-zero exit or a signal throws {@link SshCommandError} with the tail of stderr. */
  async execChecked(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(argv, options);
    if (result.exitCode !== 0 || result.signal !== null) {
      throw new SshCommandError(argv[0] as string, result.exitCode, result.signal, tailOf(result.stderr), this.where);
    }
    return result;
  }

  /**
   * Opens a TCP channel from the server to `remoteHost:remotePort` (as the server sees it, e.g. 127.0.0.1:6379).
   * The channel is a Duplex; end or destroy it when done. Needs `AllowTcpForwarding` on the server (the default).
   */
  forwardOut(remoteHost: string, remotePort: number): Promise<Duplex> {
    const timeoutMs = this.target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const destination = `${remoteHost}:${remotePort}`;
    return this.track<Duplex>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(
          new SshTimeoutError(
            `SSH server ${this.where} did not open a channel to ${destination} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.client.forwardOut("127.0.0.1", 0, remoteHost, remotePort, (error, channel) => {
        clearTimeout(timer);
        if (timedOut) {
          channel?.close();
          return;
        }
        if (error) {
          reject(
            new SshError(
              `SSH server ${this.where} could not open a channel to ${destination}: ${error.message} ` +
                "(is something listening there, and does sshd allow TCP forwarding?)",
              { cause: error },
            ),
          );
          return;
        }
        resolve(channel);
      });
    });
  }

  /**
   * Kills a timed-out command's process group through a second channel, then closes its channel. Resolves with a
   * phrase for the timeout error; never rejects, so the timeout is what the caller sees.
   */
  private async killCommand(channel: ClientChannel | undefined, pid: number | undefined): Promise<string> {
    let outcome = "it had not reported its pid yet, so only its channel was closed";
    if (pid !== undefined && !this.closed) {
      try {
        const killed = await this.exec(["kill", "-KILL", "--", `-${pid}`], { timeoutMs: KILL_TIMEOUT_MS });
        outcome =
          killed.exitCode === 0
            ? "it was killed and its channel closed"
            : `killing it failed (kill exited with ${killed.exitCode}); its channel was closed`;
      } catch (error) {
        outcome = `killing it failed (${(error as Error).message}); its channel was closed`;
      }
    }
    channel?.close();
    return outcome;
  }

  /** Ends the connection and waits until the socket is closed. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.closed) {
        this.client.end();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.client.destroy();
            resolve();
          }, CLOSE_GRACE_MS);
        });
        await Promise.race([this.whenClosed, grace]);
        clearTimeout(timer);
      }
      this.closed = true;
    })();
    return this.closing;
  }

  /** Runs an operation that fails with a clear error if the connection is (or becomes) closed under it. */
  private track<T>(start: (resolve: (value: T) => void, reject: (error: Error) => void) => void): Promise<T> {
    if (this.closed || this.closing) {
      return Promise.reject(new SshConnectError(`SSH connection to ${this.where} is already closed`));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (): void => {
        settled = true;
        this.pending.delete(fail);
      };
      const fail = (error: Error): void => {
        if (settled) return;
        finish();
        reject(error);
      };
      this.pending.add(fail);
      try {
        start((value) => {
          if (settled) return;
          finish();
          resolve(value);
        }, fail);
      } catch (error) {
        fail(error as Error);
      }
    });
  }
}

/** Connects, runs `fn` with the session and always closes it, also when `fn` throws. */
export async function withSsh<T>(target: SshTarget, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const session = await SshSession.connect(target);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
