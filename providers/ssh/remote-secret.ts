import type { SshSession } from "./session";

// mktemp creates the file 0600 and owned by the login user; umask 077 covers shells whose mktemp does not.
// The contents arrive on stdin, so they never appear on a command line that `ps` shows.
const CREATE_SCRIPT = 'umask 077 && f=$(mktemp) && cat > "$f" && printf %s "$f"';
const TEMP_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * Writes `contents` to a fresh 0600 temp file on the server, runs `fn` with its path (e.g. for
 * `mysql --defaults-extra-file=<path>`) and removes the file afterwards, also when `fn` throws.
 */
export async function withRemoteSecretFile<T>(
  session: SshSession,
  contents: string | Buffer,
  fn: (remotePath: string) => Promise<T>,
): Promise<T> {
  const created = await session.execChecked(["sh", "-c", CREATE_SCRIPT], { stdin: contents, timeoutMs: 30_000 });
  const remotePath = created.stdout;
  if (!TEMP_PATH.test(remotePath)) {
    throw new Error(`mktemp on the server printed an unexpected path ${JSON.stringify(remotePath.slice(0, 200))}`);
  }
  let result: T;
  try {
    result = await fn(remotePath);
  } catch (error) {
    // A file left behind is worth an error of its own, but not worth hiding the failure of `fn`.
    await removeRemoteFile(session, remotePath).catch(() => undefined);
    throw error;
  }
  await removeRemoteFile(session, remotePath);
  return result;
}

async function removeRemoteFile(session: SshSession, remotePath: string): Promise<void> {
  await session.execChecked(["rm", "-f", "--", remotePath], { timeoutMs: 30_000 });
}
