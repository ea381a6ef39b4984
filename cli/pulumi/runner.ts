/**
 * Runs the `pulumi` CLI in the project directory: arguments as an argv (never a shell line), secrets only on stdin,
 * output collected (and, for update-like commands, handed over line by line as it arrives). Errors carry the
 * command and the tail of its stderr with every known secret value removed.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
// eslint-disable-next-line no-restricted-imports -- the forge index loads the whole client (about a second under ts-node) on every CLI start
import { redactText } from "../../providers/forge/redact";
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

  /** Runs `pulumi <args>`; resolves whatever the exit code. */
  run(args: readonly string[], call: PulumiCallOptions = {}): Promise<PulumiResult> {
    // Global flags go before a `--`, after which everything is positional.
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    const argv = [...args.slice(0, end), "--non-interactive", "--color", "never", ...args.slice(end)];
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.options.binDir, "pulumi"), argv, {
        cwd: this.options.cwd,
        env: this.env,
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group: a Ctrl-C in a terminal reaches it only through the forwarding below, once. A second
        // SIGINT would make pulumi stop at once instead of finishing the steps in flight and saving the state.
        detached: true,
      });
      const stdout = new LineCollector(call.onStdoutLine);
      const stderr = new LineCollector(call.onStderrLine);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      const forward = (signal: NodeJS.Signals): void => {
        child.kill(signal);
      };
      for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
      const timer = call.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), call.timeoutMs);
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      };
      child.once("error", (error) => {
        finish();
        reject(new UserError(`Could not start ${path.join(this.options.binDir, "pulumi")} (${error.message}); build it with \`bash scripts/pulumi-cli.sh\`.`));
      });
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
    return new PulumiCommandError(`\`pulumi ${describeArgs(result.args)}\` ${how}${tail ? `:\n${tail}` : ""}\n${next}`, result);
  }
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
