import type { Client, ConnectConfig } from "ssh2";
import { SshConnectError, SshHostKeyMismatchError, describeTarget } from "./errors";
import { type PresentedHostKey, createHostVerifier, isHostKeyFingerprint } from "./host-key";
import { DEFAULT_CONNECT_TIMEOUT_MS, type SshTarget } from "./types";

type Ssh2Module = typeof import("ssh2");

// Long mysqldump pipes can be quiet for minutes; keepalives notice a dead server without cutting a busy one.
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;

/**
 * Checks a target before anything touches the network. Messages name the stack config key to fix and never quote
 * the private key.
 */
export function validateSshTarget(target: SshTarget): void {
  const problems: string[] = [];
  if (typeof target.host !== "string" || target.host.trim() === "") problems.push("`sshHost` is empty");
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    problems.push(`\`sshPort\` must be an integer 1-65535, got ${String(target.port)}`);
  }
  if (typeof target.user !== "string" || target.user.trim() === "") problems.push("`sshUser` is empty");
  if (typeof target.hostKeyFingerprint !== "string" || !isHostKeyFingerprint(target.hostKeyFingerprint)) {
    problems.push(
      "`sshHostKeyFingerprint` must be `SHA256:` and 43 base64 characters, as `ssh-keygen -lf " +
        "/etc/ssh/ssh_host_ed25519_key.pub` prints it on the server",
    );
  }
  if (typeof target.privateKey !== "string" || target.privateKey.trim() === "")
    problems.push("`sshPrivateKey` is empty");
  const timeout = target.connectTimeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0)) {
    problems.push(`\`connectTimeoutMs\` must be a positive integer, got ${String(timeout)}`);
  }
  if (problems.length > 0) {
    throw new SshConnectError(`Cannot connect over SSH: ${problems.join("; ")}`);
  }
}

/** Parses the key up front so a bad key fails with a clear message instead of an ssh2 handshake error. */
function assertReadablePrivateKey(ssh2: Ssh2Module, target: SshTarget): void {
  const parsed = ssh2.utils.parseKey(target.privateKey);
  if (parsed instanceof Error) {
    // ssh2's reasons are fixed phrases; anything else (a header fragment) is left out in case it holds key data.
    const reason = /^[A-Za-z ,()]{1,80}$/.test(parsed.message) ? ` (${parsed.message})` : "";
    throw new SshConnectError(
      `\`sshPrivateKey\` for ${describeTarget(target)} is not a private key ssh2 can read${reason}; ` +
        "it must be an unencrypted OpenSSH or PEM private key, e.g. from `ssh-keygen -t ed25519 -N ''`",
    );
  }
}

/**
 * Opens an authenticated connection whose host key matched `target.hostKeyFingerprint`. Rejects with
 * {@link SshHostKeyMismatchError} for any other key, and with {@link SshConnectError} (naming user, host and port)
 * for every other failure, within `connectTimeoutMs`.
 */
export async function openSshClient(target: SshTarget): Promise<Client> {
  validateSshTarget(target);
  const ssh2: Ssh2Module = require("ssh2");
  assertReadablePrivateKey(ssh2, target);
  const timeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const client = new ssh2.Client();
  let presented: PresentedHostKey | undefined;

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("close", onClose);
      if (error === undefined) {
        resolve(client);
        return;
      }
      // Swallow the errors a connection being torn down may still emit.
      client.on("error", () => undefined);
      client.end();
      client.destroy();
      reject(error);
    };
    const onReady = (): void => settle();
    const onError = (error: Error & { level?: string }): void =>
      settle(describeConnectError(target, error, presented, timeoutMs));
    const onClose = (): void =>
      settle(new SshConnectError(`SSH connection to ${describeTarget(target)} closed before login completed`));
    // ssh2's readyTimeout does not cover a TCP connect that hangs, so the whole attempt has its own deadline.
    const timer = setTimeout(
      () =>
        settle(
          new SshConnectError(
            `Timed out after ${timeoutMs} ms connecting to SSH at ${describeTarget(target)}; check \`sshHost\`, \`sshPort\` and the server's firewall`,
          ),
        ),
      timeoutMs,
    );
    client.on("ready", onReady).on("error", onError).on("close", onClose);

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      // No agent, no password, no keyboard-interactive: the configured key is the only credential offered.
      tryKeyboard: false,
      hostVerifier: createHostVerifier(target.hostKeyFingerprint, (key) => {
        presented = key;
      }),
    };
    try {
      client.connect(config);
    } catch (error) {
      settle(describeConnectError(target, error as Error, presented, timeoutMs));
    }
  });
}

function describeConnectError(
  target: SshTarget,
  error: Error & { level?: string; code?: string },
  presented: PresentedHostKey | undefined,
  timeoutMs: number,
): SshConnectError {
  const where = describeTarget(target);
  if (presented !== undefined && presented.fingerprint !== target.hostKeyFingerprint) {
    return new SshHostKeyMismatchError(
      target.host,
      target.port,
      target.hostKeyFingerprint,
      presented.fingerprint,
      presented.keyType,
    );
  }
  let message: string;
  if (error.level === "client-authentication") {
    message =
      `SSH login as ${where} was refused: the server did not accept the key in \`sshPrivateKey\`. ` +
      `Add its public key to ~${target.user}/.ssh/authorized_keys on the server, or fix \`sshUser\``;
  } else if (error.level === "client-timeout" || /timed out/i.test(error.message)) {
    message = `Timed out after ${timeoutMs} ms logging in to SSH at ${where}; check \`sshHost\`, \`sshPort\` and the server's firewall`;
  } else if (error.level === "client-socket") {
    message = `Cannot reach SSH at ${where}: ${error.message}; check \`sshHost\` and \`sshPort\``;
  } else {
    message = `SSH connection to ${where} failed during ${error.level ?? "setup"}: ${error.message}`;
  }
  return new SshConnectError(message, { cause: error });
}
