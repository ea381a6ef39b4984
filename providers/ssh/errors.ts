import type { SshTarget } from "./types";

/** `user@host:port`, the way every SSH error names the connection. Holds no credential. */
export function describeTarget(target: Pick<SshTarget, "host" | "port" | "user">): string {
  return `${target.user}@${target.host}:${target.port}`;
}

/** Base of every error from the SSH layer; messages never hold keys, passwords or stdin. */
export class SshError extends Error {
  override readonly name: string = "SshError";
}

/** Could not connect or log in (refused, unreachable, timed out, key rejected). */
export class SshConnectError extends SshError {
  override readonly name: string = "SshConnectError";
}

/** The server presented a host key other than the configured one; nothing was sent to it. */
export class SshHostKeyMismatchError extends SshConnectError {
  override readonly name = "SshHostKeyMismatchError";

  constructor(
    readonly host: string,
    readonly port: number,
    readonly expectedFingerprint: string,
    readonly actualFingerprint: string,
    readonly keyType: string,
  ) {
    super(
      `SSH host key of ${host}:${port} does not match: expected ${expectedFingerprint}, ` +
        `the server presented ${keyType} key ${actualFingerprint}. Refusing to connect. If the server was rebuilt, ` +
        `check the new key on the server (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`) and update ` +
        "`sshHostKeyFingerprint`; otherwise something is intercepting the connection.",
    );
  }
}

/** A command ran but failed: non-zero exit or killed by a signal (from `execChecked`). */
export class SshCommandError extends SshError {
  override readonly name = "SshCommandError";

  constructor(
    readonly program: string,
    readonly exitCode: number,
    readonly signal: string | null,
    readonly stderrTail: string,
    target: string,
  ) {
    const how = signal === null ? `exited with ${exitCode}` : `was killed by SIG${signal}`;
    super(`\`${program}\` on ${target} ${how}${stderrTail === "" ? " (no stderr)" : `: ${stderrTail}`}`);
  }
}

/** A command or a forwarded channel did not finish within its deadline; its channel was closed. */
export class SshTimeoutError extends SshError {
  override readonly name = "SshTimeoutError";
}
