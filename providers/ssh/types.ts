/** Where and as whom to log in. `privateKey` is a secret: it never appears in an error or a log line. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key text, unencrypted. */
  privateKey: string;
  /** The server's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:` + 43 base64 characters). */
  hostKeyFingerprint: string;
  /** Deadline for TCP connect, key exchange and login together. @default 20000 */
  connectTimeoutMs?: number;
}

export interface ExecResult {
  /** The remote exit status; -1 when the command ended by a signal or without reporting one. */
  exitCode: number;
  /** The signal name (`KILL`, `TERM`, ...) when the command was killed by one, else null. */
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Sent to the command's standard input, which is then closed. Without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** Per-command deadline; on expiry the command is sent KILL, its channel closed and an error thrown. @default 600000 */
  timeoutMs?: number;
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
  /**
   * Most bytes of stdout, and separately of stderr, kept in the result; older output is dropped first, so the result
   * keeps the tail (where errors are). The callbacks still see everything. @default 1048576
   */
  maxOutputBytes?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
