import type { Duplex } from "node:stream";
import { RedisReplyError, RespParser, RespProtocolError, type RespValue, encodeCommand } from "./resp";

export interface RespClientOptions {
  /** How errors name this connection, e.g. `Redis 127.0.0.1:6379 via forge@203.0.113.10:22`. No credentials. */
  where: string;
  /** Deadline for each reply; on expiry the connection is closed, since later replies would be out of step. @default 15000 */
  commandTimeoutMs?: number;
}

/** A command failed: an error reply, a timeout or a lost connection. Names the command, never its arguments. */
export class RedisCommandError extends Error {
  override readonly name = "RedisCommandError";

  constructor(
    readonly command: string,
    message: string,
    /** The server's error code (`NOAUTH`, `WRONGPASS`, ...) when Redis answered with an error. */
    readonly code: string | undefined,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

interface Pending {
  command: string;
  resolve(value: RespValue): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;

/**
 * A minimal Redis client over any Duplex (here an SSH forwarded channel). Commands may be pipelined: Redis answers in
 * order, so replies are matched to a FIFO of pending commands.
 */
export class RespClient {
  private readonly parser = new RespParser();
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly stream: Duplex,
    private readonly options: RespClientOptions,
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    stream.on("error", (error: Error) =>
      this.fail(new Error(`${options.where}: connection failed: ${error.message}`, { cause: error })),
    );
    stream.on("close", () => this.fail(new Error(`${options.where}: connection closed`)));
    stream.on("end", () => this.fail(new Error(`${options.where}: connection closed by the server`)));
  }

  /** Sends one command and resolves with its reply; an error reply rejects with {@link RedisCommandError}. */
  command(args: readonly (string | number)[]): Promise<RespValue> {
    const name = String(args[0] ?? "").toUpperCase();
    if (this.failure) {
      return Promise.reject(
        new RedisCommandError(name, `${name} not sent: ${this.failure.message}`, undefined, this.failure),
      );
    }
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${this.options.where}: no reply to ${name} within ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      this.pending.push({ command: name, resolve, reject, timer });
      this.stream.write(encodeCommand(args));
    });
  }

  /** Closes the stream; pending commands are rejected. */
  async close(): Promise<void> {
    this.fail(new Error(`${this.options.where}: connection closed by the client`));
    this.stream.end();
    this.stream.destroy();
  }

  private receive(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.parser.push(chunk);
    } catch (error) {
      this.fail(
        error instanceof RespProtocolError ? new Error(`${this.options.where}: ${error.message}`) : (error as Error),
      );
      return;
    }
    for (const reply of replies) {
      const waiting = this.pending.shift();
      if (!waiting) {
        this.fail(new Error(`${this.options.where}: received a reply nobody asked for`));
        return;
      }
      clearTimeout(waiting.timer);
      if (reply instanceof RedisReplyError) {
        waiting.reject(
          new RedisCommandError(
            waiting.command,
            `${this.options.where} answered ${waiting.command} with: ${reply.message}`,
            reply.code,
            reply,
          ),
        );
      } else {
        waiting.resolve(reply);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.reject(
        new RedisCommandError(waiting.command, `${waiting.command} failed: ${error.message}`, undefined, error),
      );
    }
    if (!this.stream.destroyed) this.stream.destroy();
  }
}
