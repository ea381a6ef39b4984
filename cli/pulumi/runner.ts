/**
 * Runs the `pulumi` CLI in the project directory: arguments as an argv (never a shell line), secrets only on stdin,
 * output collected (and, for update-like commands, handed over line by line as it arrives). Errors carry the
 * command and the tail of its stderr with every known secret value removed.
 */
import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { redactText } from "../../providers/common/redact";
import { UserError } from "../../providers/common/user-error";

export interface PulumiProcessOptions {
  /** The project directory (holds Pulumi.yaml and the per-stack config files). */
  cwd: string;
  /** Directory of the `pulumi` binary and its language host. */
  binDir: string;
  /** Environment of every `pulumi` process. */
  env: Record<string, string>;
  /** Values removed from any text this module puts into an error. */
  secrets?: readonly string[];
  /** Variables left out of the child's environment (credentials meant for this process only). */
  withheldEnv?: readonly string[];
}

export interface PulumiCallOptions {
  /** Written to the child's stdin, which is then closed. */
  stdin?: string;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
  /** Kills the child after this long. @default no deadline */
  timeoutMs?: number;
}

export interface PulumiResult {
  args: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `pulumi` command that failed; the message is redacted and ends with what to do next. */
export class PulumiCommandError extends UserError {
  override readonly name = "PulumiCommandError";

  constructor(
    message: string,
    readonly result: PulumiResult,
  ) {
    super(message);
  }
}

/** Forwarded to a running `pulumi`, which cancels an update cleanly (and keeps its state consistent) on SIGINT. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
/** Set once this process was told to stop: no further `pulumi` is started. */
let stoppedBy: NodeJS.Signals | null = null;
const STDERR_TAIL_CHARS = 3000;

export class PulumiCli {
  private readonly env: Record<string, string>;

  constructor(private readonly options: PulumiProcessOptions) {
    const withheld = new Set(options.withheldEnv ?? []);
    this.env = Object.fromEntries(Object.entries(options.env).filter(([key]) => !withheld.has(key)));
    this.env.PATH = [options.binDir, options.env.PATH ?? ""].filter(Boolean).join(path.delimiter);
  }

  get secrets(): readonly string[] {
    return this.options.secrets ?? [];
  }

  redact(text: string): string {
    return redactText(text, this.secrets);
  }

  /**
   * Runs `pulumi <args>`; resolves whatever the exit code.
   *
   * Stopping: SIGINT or SIGTERM to this process goes to `pulumi` alone, as SIGINT the first time (it cancels the
   * update, lets the steps in flight finish, saves the state and releases the stack lock) and as received after that
   * (it terminates). Not to its process group: pulumi starts each plugin in a group of its own, and a provider host
   * interrupted mid-request loses Forge's answer. Whatever is left of pulumi's session when it ends, or when this
   * process dies, is killed by {@link startSessionReaper} (issue #13).
   */
  run(args: readonly string[], call: PulumiCallOptions = {}): Promise<PulumiResult> {
    // Global flags go before a `--`, after which everything is positional.
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    const argv = [...args.slice(0, end), "--non-interactive", "--color", "never", ...args.slice(end)];
    if (stoppedBy !== null) {
      return Promise.reject(
        new UserError(`Stopped by ${stoppedBy}; \`pulumi ${describeArgs(args)}\` was not started.`),
      );
    }
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.options.binDir, "pulumi"), argv, {
        cwd: this.options.cwd,
        env: this.env,
        stdio: ["pipe", "pipe", "pipe"],
        // A session of its own (setsid): a Ctrl-C in a terminal reaches pulumi only through the forwarding below,
        // once (a second SIGINT makes it stop at once); and everything it starts stays in that session, where the
        // reaper finds it.
        detached: true,
      });
      const reaper = child.pid === undefined ? null : startSessionReaper(child.pid);
      const stdout = new LineCollector(call.onStdoutLine);
      const stderr = new LineCollector(call.onStderrLine);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      let forwarded = 0;
      const forward = (signal: NodeJS.Signals): void => {
        stoppedBy ??= signal;
        child.kill(forwarded++ === 0 ? "SIGINT" : signal);
      };
      for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
      // Past its deadline the whole session goes, pulumi included.
      const timer =
        call.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              child.kill("SIGKILL");
              reaper?.reap();
            }, call.timeoutMs);
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
        reaper?.reap();
      };
      child.once("error", (error) => {
        finish();
        reject(
          new UserError(
            `Could not start ${path.join(this.options.binDir, "pulumi")} (${error.message}); build it with \`bash scripts/pulumi-cli.sh\`.`,
          ),
        );
      });
      // What pulumi leaves behind may hold its stdout open, and so delay "close", until it is killed.
      child.once("exit", () => reaper?.reap());
      child.once("close", (exitCode, signal) => {
        finish();
        resolve({ args, exitCode, signal, stdout: stdout.end(), stderr: stderr.end() });
      });
      // A child that exits before reading stdin makes the write fail with EPIPE; its exit code tells the story.
      child.stdin.on("error", () => undefined);
      child.stdin.end(call.stdin ?? "");
    });
  }

  /** Runs `pulumi <args>` and throws a {@link PulumiCommandError} naming `next` unless it exits with 0. */
  async runChecked(args: readonly string[], next: string, call: PulumiCallOptions = {}): Promise<PulumiResult> {
    const result = await this.run(args, call);
    if (result.exitCode !== 0) throw this.failure(result, next);
    return result;
  }

  /** Runs a command with `--json` output and returns it parsed. */
  async json(args: readonly string[], next: string): Promise<unknown> {
    const result = await this.runChecked(args, next, { timeoutMs: 120_000 });
    try {
      return JSON.parse(result.stdout) as unknown;
    } catch {
      throw new UserError(`\`pulumi ${describeArgs(args)}\` printed something that is not JSON; ${next}`);
    }
  }

  failure(result: PulumiResult, next: string): PulumiCommandError {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    const tail = this.redact(result.stderr.trim()).slice(-STDERR_TAIL_CHARS);
    return new PulumiCommandError(
      `\`pulumi ${describeArgs(result.args)}\` ${how}${tail ? `:\n${tail}` : ""}\n${next}`,
      result,
    );
  }
}

/**
 * Kills every process left in the session `sid` (a `pulumi` and all it started: the language host, the program,
 * provider plugins and dynamic-provider hosts) once its stdin ends: when {@link SessionReaper.reap} closes it, or when
 * this process dies in any way, SIGKILL included, since the kernel then closes it. A watchdog of its own, because
 * nothing in this process runs after a SIGKILL, and `PR_SET_PDEATHSIG` (`setpriv --pdeathsig`) would reach pulumi
 * alone: its children would be re-parented and live on. It runs in a session of its own and ignores the job-control
 * signals, so a Ctrl-C or a group kill aimed at this process does not take it away first.
 *
 * Linux: members are found by the session field of /proc/<pid>/stat, which a re-parented orphan keeps. Elsewhere only
 * pulumi's own process group can be killed.
 */
const REAPER_SCRIPT = `trap '' INT TERM HUP
sid=$1
cat >/dev/null 2>&1
if [ ! -r /proc/self/stat ]; then kill -KILL -- "-$sid" 2>/dev/null; exit 0; fi
for round in 1 2 3 4 5; do
  found=
  for f in /proc/[0-9]*/stat; do
    IFS= read -r line < "$f" 2>/dev/null || continue
    set -- \${line##*) }
    if [ "$4" = "$sid" ] && [ "$1" != Z ]; then p=\${f#/proc/}; kill -KILL "\${p%/stat}" 2>/dev/null && found=1; fi
  done
  [ -z "$found" ] && exit 0
done`;

interface SessionReaper {
  /** Kills what is left of the session now (at once, or once pulumi has ended). */
  reap(): void;
}

function startSessionReaper(sid: number): SessionReaper {
  const reaper = spawn("/bin/sh", ["-c", REAPER_SCRIPT, "forge-previews-reaper", String(sid)], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  reaper.once("error", () => undefined);
  reaper.stdin.on("error", () => undefined);
  // Neither it nor its pipe keeps this process alive (a piped stdin is a net.Socket).
  reaper.unref();
  (reaper.stdin as Socket).unref();
  return { reap: () => reaper.stdin.destroy() };
}

/** The arguments as shown in messages; only flags and names are ever passed, never a secret value. */
export function describeArgs(args: readonly string[]): string {
  return args.map((arg) => (arg.length > 80 ? `${arg.slice(0, 40)}…` : arg)).join(" ");
}

/** Keeps all output and calls `onLine` for each complete line as it arrives. */
export class LineCollector {
  private readonly chunks: Buffer[] = [];
  private pending = "";
  // Decodes across chunk boundaries, which can fall inside a multi-byte character.
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    if (!this.onLine) return;
    this.pending += this.decoder.write(chunk);
    const lines = this.pending.split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.onLine(line);
  }

  end(): string {
    this.pending += this.decoder.end();
    if (this.onLine && this.pending !== "") this.onLine(this.pending);
    this.pending = "";
    return Buffer.concat(this.chunks).toString("utf8");
  }
}
