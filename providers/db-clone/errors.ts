import { UserError } from "../common/user-error";

/** A guard refused the clone before anything was written; the message names the database and what to do. */
export class CloneRefusedError extends UserError {
  override readonly name = "CloneRefusedError";
}

/** One way a clone differs from its source. */
export interface VerificationProblem {
  /** The table, view, trigger, routine or event concerned, or null for schema-wide problems. */
  object: string | null;
  detail: string;
}

/** The clone does not match its source; the message lists the differing tables and objects. */
export class CloneVerificationError extends Error {
  override readonly name = "CloneVerificationError";

  constructor(
    readonly source: string,
    readonly target: string,
    readonly problems: readonly VerificationProblem[],
  ) {
    super(
      `Clone \`${target}\` of \`${source}\` failed verification (${problems.length} difference${problems.length === 1 ? "" : "s"}): ` +
        problems.map((p) => (p.object === null ? p.detail : `${p.object}: ${p.detail}`)).join("; "),
    );
  }
}

/**
 * A command on the database server failed. `stderrTail` is what the program printed last (mysql's `ERROR ...` line);
 * credentials never reach it because they only exist in an option file.
 */
export class RemoteCommandError extends Error {
  override readonly name = "RemoteCommandError";

  constructor(
    readonly step: string,
    readonly exitCode: number,
    readonly stderrTail: string,
  ) {
    super(`${step} failed (exit ${exitCode})${stderrTail === "" ? "" : `: ${stderrTail}`}`);
  }
}

/**
 * The last non-empty lines of a program's stderr, short enough for an error message. The MariaDB client echoes a
 * failing statement between `--------------` lines before its `ERROR` line; that echo (possibly a whole script) is
 * dropped.
 */
export function tailOfStderr(stderr: string, maxLines = 5, maxChars = 1_500): string {
  const withoutEcho = stderr.replace(/^-{14}\n[\s\S]*?\n-{14}$/gm, "");
  const lines = withoutEcho
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "" && !/\[Warning\] Using a password/.test(line));
  const text = lines.slice(-maxLines).join(" | ");
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}
