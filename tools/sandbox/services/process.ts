import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { findExecutable } from "./binaries";

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A long-running daemon started by this module, with its output appended to `logPath`. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; also ends processes it forked (sshd's per-connection children). */
  stop(graceMs: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHandlerInstalled = false;

// Last line of defence when the owner never calls stop(): `exit` handlers must be synchronous, so SIGKILL is the only
// option. Processes started through setpriv also die with their parent on a crash or SIGKILL (see spawnService).
function killRunningOnExit(): void {
  for (const child of running) {
    if (child.pid === undefined) continue;
    const forked = listDescendants(child.pid);
    child.kill("SIGKILL");
    for (const p of forked) signalIfSame(p, "SIGKILL");
  }
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on("exit", killRunningOnExit);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves true once `exited` settles, or false after `ms`; the timer is cleared so it never holds the event loop. */
export async function exitsWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `file args` as a daemon. When util-linux `setpriv` is available the daemon is exec'd through
 * `setpriv --pdeathsig KILL`, so the kernel kills it if this process dies without running exit handlers; the PID stays
 * the daemon's own because setpriv execs in place.
 */
export function spawnService(name: string, file: string, args: readonly string[], logPath: string): ServiceProcess {
  installExitHandler();
  const setpriv = findExecutable("setpriv", ["/usr/bin", "/bin"]);
  const [command, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", file, ...args]] : [file, [...args]];
  const logFd = openSync(logPath, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(command, argv, { stdio: ["ignore", logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  }).finally(() => running.delete(child));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${name} (\`${file}\`): the process did not get a PID`);
  running.add(child);

  const isRunning = () => child.exitCode === null && child.signalCode === null && running.has(child);
  return {
    name,
    pid,
    logPath,
    exited,
    isRunning,
    async stop(graceMs) {
      if (!isRunning()) {
        await exited;
        return;
      }
      const forked = listDescendants(pid);
      child.kill("SIGTERM");
      if (!(await exitsWithin(exited, graceMs)) && isRunning()) child.kill("SIGKILL");
      await exited;
      await stopOrphans(forked, graceMs);
    },
  };
}

interface ProcessIdentity {
  pid: number;
  startTime: string;
}

interface ProcStat extends ProcessIdentity {
  ppid: number;
  state: string;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses, so split after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, state: fields[0] ?? "", ppid: Number(fields[1]), startTime: fields[19] ?? "" };
}

/** Every live descendant of `rootPid`, with start times so a recycled PID is never signalled. Empty without /proc. */
export function listDescendants(rootPid: number): ProcessIdentity[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const byParent = new Map<number, ProcStat[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (!stat) continue;
    byParent.set(stat.ppid, [...(byParent.get(stat.ppid) ?? []), stat]);
  }
  const found: ProcessIdentity[] = [];
  const queue = [rootPid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const child of byParent.get(parent) ?? []) {
      found.push({ pid: child.pid, startTime: child.startTime });
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while `pid` is a live (non-zombie) process; a zombie has already released everything it held. */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  if (stat) return stat.state !== "Z";
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isSameProcess(p: ProcessIdentity): boolean {
  const stat = readProcStat(p.pid);
  return stat !== undefined && stat.state !== "Z" && stat.startTime === p.startTime;
}

function signalIfSame(p: ProcessIdentity, signal: NodeJS.Signals): void {
  if (!isSameProcess(p)) return;
  try {
    process.kill(p.pid, signal);
  } catch {
    // Exited between the check and the signal.
  }
}

async function stopOrphans(processes: readonly ProcessIdentity[], graceMs: number): Promise<void> {
  const waitGone = async (deadline: number) => {
    while (processes.some(isSameProcess) && Date.now() < deadline) await delay(25);
  };
  for (const p of processes) signalIfSame(p, "SIGTERM");
  await waitGone(Date.now() + graceMs);
  for (const p of processes) signalIfSame(p, "SIGKILL");
  await waitGone(Date.now() + 2000);
}

export function readLogTail(logPath: string, lines = 15): string {
  try {
    return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log output)";
  }
}

/** Runs a short setup command and returns its stdout; a failure carries the command's own output. */
export function runCommand(file: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-15).join("\n");
      reject(new Error(`\`${basename(file)}\` failed (${error.message.split("\n")[0]}):\n${output}`, { cause: error }));
    });
  });
}

/** What each service starter hands back: its endpoint and every process `stop()` must end. */
export interface StartedService<E> {
  endpoint: E;
  processes: ServiceProcess[];
}
