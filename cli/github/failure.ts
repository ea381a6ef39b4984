/**
 * Describes a failed operation for the PR: the step that failed and a redacted excerpt of what led to it (the
 * recent progress lines and the error). The operations layer names the failed resource steps on its error
 * (`failedSteps`, or a plain `step`/`phase`); otherwise the last progress line says where it stopped.
 */
import { redactedLogTail } from "../../providers/common/redact";
import type { Redactor } from "./redactor";

const EXCERPT_LINES = 30;

/** Keeps the last progress lines of an operation, for the failure excerpt. */
export class ProgressTail {
  private readonly lines: string[] = [];

  constructor(private readonly keep = 200) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  get last(): string | null {
    return this.lines.at(-1) ?? null;
  }

  all(): readonly string[] {
    return this.lines;
  }
}

function stringProperty(error: unknown, key: string): string | null {
  if (typeof error !== "object" || error === null || !(key in error)) return null;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** `failedSteps: [{ op, type, name }]` as the operations' error carries them, joined into one line. */
function failedStepsOf(error: unknown): string | null {
  if (typeof error !== "object" || error === null || !("failedSteps" in error)) return null;
  const steps = (error as { failedSteps: unknown }).failedSteps;
  if (!Array.isArray(steps)) return null;
  const names = steps
    .filter(
      (s): s is { op: string; type: string; name: string } =>
        typeof s === "object" &&
        s !== null &&
        ["op", "type", "name"].every((k) => typeof (s as Record<string, unknown>)[k] === "string"),
    )
    .map((s) => `${s.op} ${s.type} ${s.name}`);
  return names.length > 0 ? names.join("; ") : null;
}

export function describeFailure(
  error: unknown,
  progress: ProgressTail,
  fallbackStep: string,
  redactor: Redactor,
): { step: string; excerpt: string } {
  const step =
    failedStepsOf(error) ??
    stringProperty(error, "step") ??
    stringProperty(error, "phase") ??
    progress.last ??
    fallbackStep;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const log = stringProperty(error, "log") ?? stringProperty(error, "stderrTail");
  const text = [...progress.all(), ...(log ? [log] : []), message].join("\n");
  // Redacted as a whole first (known secrets plus generic shapes), then cut to the tail.
  const excerpt = redactedLogTail(redactor.redact(text), [], EXCERPT_LINES);
  return { step: redactor.redact(step).slice(0, 200), excerpt };
}
