import { buildShellCommand } from "./quote";

/**
 * Every command starts by printing its shell's pid on stderr and then `exec`s the program, so the pid is the
 * program's. Without a pty, sshd starts each command in a new session (setsid), so that pid is also the process group
 * of the command and everything it spawns. A timed-out command is killed through it with `kill -KILL -- -<pid>` on
 * a second channel: closing a channel does not stop a program that ignores its stdin, and OpenSSH ignores the
 * protocol's `signal` request for root logins ("session signalling requires privilege separation").
 *
 * argv[0] must therefore be a program, not a shell builtin such as `cd`.
 */
export function buildTrackedCommand(argv: readonly string[]): string {
  return `printf '%s\\n' "$$" >&2; exec ${buildShellCommand(argv)}`;
}

// A pid line is at most 7 digits and a newline; anything longer without a newline is the command's own output.
const MAX_PID_LINE = 16;

/** Takes the pid line off the front of stderr and passes the rest of stderr on unchanged. */
export class PidLineReader {
  private buffered: Buffer | undefined = Buffer.alloc(0);
  pid: number | undefined;

  constructor(private readonly forward: (chunk: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.buffered === undefined) {
      this.forward(chunk);
      return;
    }
    const data = Buffer.concat([this.buffered, chunk]);
    const newline = data.indexOf(0x0a);
    if (newline < 0 && data.length <= MAX_PID_LINE) {
      this.buffered = data;
      return;
    }
    this.buffered = undefined;
    const line = newline < 0 ? "" : data.subarray(0, newline).toString("latin1");
    const rest = /^[1-9][0-9]{0,9}$/.test(line) ? data.subarray(newline + 1) : data;
    if (rest !== data) this.pid = Number(line);
    if (rest.length > 0) this.forward(rest);
  }

  /** Passes on a short stderr that never finished a line. */
  finish(): void {
    if (this.buffered !== undefined && this.buffered.length > 0) this.forward(this.buffered);
    this.buffered = undefined;
  }
}
