/**
 * Stack locks of a DIY backend (file://, s3://, ...). Each update, refresh or destroy writes
 * `.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` holding `{pid, username, hostname, timestamp}` and deletes it at
 * the end; a `pulumi` killed on the way leaves it, and every later update of the stack fails until `pulumi cancel`
 * deletes every lock file of the stack (issue #13). Pulumi prints each lock's holder in that failure, whatever the
 * backend, so the holders are read from the message rather than from the bucket.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { UserError } from "../../providers/common/user-error";
import type { PulumiCallOptions, PulumiCli, PulumiResult } from "./runner";

/**
 * A lock taken on another machine is left alone until it is older than the longest job that runs `pulumi` on preview
 * stacks (`timeout-minutes` of sweep.yml and snapshots.yml; test/unit/cli/pulumi-locks.test.ts holds the workflows
 * to it): by then GitHub has killed that job.
 */
export const FOREIGN_LOCK_MAX_AGE_MINUTES = 120;

export interface StackLock {
  /** Where the lock file is, as Pulumi names it. */
  url: string;
  username: string;
  hostname: string;
  pid: number;
  takenAt: Date;
}

export interface LockVerdict {
  stale: boolean;
  /** Why, for the log line or the error. */
  reason: string;
}

export interface LockJudge {
  hostname: string;
  now: Date;
  isPulumiRunning(pid: number): boolean;
}

/** Pulumi's `checkForLock` message (pkg/backend/diy/lock.go); null when `stderr` is not a lock failure. */
export function parseLockFailure(stderr: string): StackLock[] | null {
  const header = /the stack is currently locked by (\d+) lock\(s\)/.exec(stderr);
  if (header === null) return null;
  const locks = new Map<string, StackLock>();
  // Usernames may hold an `@` (domain accounts); the hostname is what follows the last one.
  for (const m of stderr.matchAll(/^\s+(\S+): created by (.*)@([^@\s]*) \(pid (-?\d+)\) at (\S+)\s*$/gm)) {
    const [, url = "", username = "", host = "", pid = "", at = ""] = m;
    locks.set(url, { url, username, hostname: host, pid: Number(pid), takenAt: new Date(at) });
  }
  // A holder we could not read is never judged stale: it is reported as a live lock.
  if (locks.size !== Number(header[1]) || [...locks.values()].some((l) => Number.isNaN(l.takenAt.getTime()))) return [];
  return [...locks.values()];
}

/** `user@host (pid n, since <time>)`, as the log and errors name a holder. */
export function describeHolder(lock: StackLock): string {
  return `${lock.username}@${lock.hostname} (pid ${lock.pid}, since ${lock.takenAt.toISOString()})`;
}

export function judgeLock(lock: StackLock, judge: LockJudge): LockVerdict {
  if (lock.hostname === judge.hostname) {
    return judge.isPulumiRunning(lock.pid)
      ? { stale: false, reason: "still runs on this machine" }
      : { stale: true, reason: "no longer runs on this machine" };
  }
  const minutes = Math.floor((judge.now.getTime() - lock.takenAt.getTime()) / 60_000);
  return minutes > FOREIGN_LOCK_MAX_AGE_MINUTES
    ? {
        stale: true,
        reason: `was taken ${minutes} min ago on another machine, longer than any job runs (${FOREIGN_LOCK_MAX_AGE_MINUTES} min)`,
      }
    : { stale: false, reason: `was taken ${minutes} min ago on another machine, where a job may still run` };
}

/**
 * Whether `pid` is a live `pulumi` on this machine. A pid taken over by another program since (its name, from
 * /proc, is not pulumi's) does not hold the lock.
 */
export function isPulumiRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true; // no /proc (not Linux): the pid exists, which is all we can tell
  }
  const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return name.startsWith("pulumi") && state !== "Z";
}

/** A stack held by a `pulumi` that may still be running; the message names the command that clears it. */
export class StackLockedError extends UserError {
  override readonly name = "StackLockedError";

  constructor(
    readonly stackName: string,
    readonly locks: ReadonlyArray<StackLock & LockVerdict>,
  ) {
    const holders =
      locks.length > 0
        ? locks.map((l) => `  - ${describeHolder(l)}, which ${l.reason}: ${l.url}`).join("\n")
        : "  (its holder could not be read)";
    super(
      `Stack ${stackName} is locked by another \`pulumi\` run:\n${holders}\n` +
        "Wait for it to end, then run the command again. If nothing runs it any more (its job was killed, its machine " +
        `is gone), clear the lock with \`${unlockCommand(stackName)}\` and run the command again.`,
    );
  }
}

/** Our CLI's command that clears a stack's locks (README, "Locks"). */
export function unlockCommand(stack: string): string {
  return `forge-previews unlock --stack ${stack}`;
}

/** Deletes every lock of `stack` (`pulumi cancel`, which on a DIY backend only removes the lock files). */
export async function cancelStackLocks(cli: PulumiCli, stack: string): Promise<void> {
  await cli.runChecked(
    ["cancel", "--stack", stack, "--yes"],
    `The lock of stack ${stack} was not cleared; run \`${unlockCommand(stack)}\` again.`,
    {
      timeoutMs: 120_000,
    },
  );
}

/**
 * Runs an update-like `pulumi <args>` on `stack`. When it fails only because of locks whose holders are all gone,
 * clears them with `pulumi cancel`, says so through `log`, and runs it once more; a lock that may be live is a
 * {@link StackLockedError}. The stderr of a run that turns out to be a lock failure is not passed on: the lock is
 * reported once, here.
 */
export async function runClearingStaleLocks(
  cli: PulumiCli,
  stack: string,
  args: readonly string[],
  call: PulumiCallOptions,
  log: (line: string) => void,
  judge: LockJudge = { hostname: hostname(), now: new Date(), isPulumiRunning },
): Promise<PulumiResult> {
  for (let attempt = 1; ; attempt++) {
    const held: string[] = [];
    let engineStarted = false;
    const result = await cli.run(args, {
      ...call,
      onStdoutLine: (line) => {
        if (!engineStarted) {
          engineStarted = true;
          held.splice(0).forEach((l) => call.onStderrLine?.(l));
        }
        call.onStdoutLine?.(line);
      },
      onStderrLine: (line) => (engineStarted ? call.onStderrLine?.(line) : held.push(line)),
    });
    const locks = result.exitCode === 0 || engineStarted ? null : parseLockFailure(result.stderr);
    if (locks === null) {
      held.forEach((l) => call.onStderrLine?.(l));
      return result;
    }
    const judged = locks.map((lock) => ({
      ...lock,
      ...judgeLock(lock, { ...judge, now: attempt === 1 ? judge.now : new Date() }),
    }));
    if (attempt > 1 || judged.length === 0 || judged.some((l) => !l.stale)) throw new StackLockedError(stack, judged);
    for (const lock of judged)
      log(
        `stack ${stack} was locked by ${describeHolder(lock)}, which ${lock.reason}; clearing the lock with \`pulumi cancel\``,
      );
    await cancelStackLocks(cli, stack);
  }
}
