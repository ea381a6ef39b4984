/**
 * Turns the engine's `--json` events into what a person watching a long `up` or `destroy` needs: one line per
 * resource step with the time since the start and how long the step took, the providers' own progress messages,
 * and at the end the counts, the timings and, on failure, the steps that failed with their errors.
 */
import { type EngineEvent, parseEngineEvent, resourceNameOf, shortTypeOf } from "./pulumi/engine-events";

export interface PhaseTiming {
  phase: string;
  ms: number;
}

export interface FailedStep {
  op: string;
  type: string;
  name: string;
}

export interface ProgressReport {
  /** The engine's count per operation (`create`, `same`, `delete`, ...); empty when it printed no summary. */
  changes: Record<string, number>;
  /** `succeeded`, `failed`, or null when the engine stopped before its summary. */
  result: string | null;
  /** One entry per finished resource step, e.g. `{ phase: "create forge:Site pr-1-site", ms: 1200 }`. */
  steps: PhaseTiming[];
  failedSteps: FailedStep[];
  /** Error diagnostics, redacted, without the engine's closing "update failed". */
  errors: string[];
}

export interface EngineProgressOptions {
  now?: () => number;
  /** Applied to every message before it is shown or kept. */
  redact?: (text: string) => string;
}

const PAST_TENSE: Record<string, string> = {
  create: "created",
  update: "updated",
  delete: "deleted",
  replace: "replaced",
  "create-replacement": "created",
  "delete-replaced": "deleted",
  read: "read",
  refresh: "refreshed",
  import: "imported",
  discard: "forgot",
  same: "unchanged",
};

/** The stack resource itself is bookkeeping, not a step anyone waits for. */
const ROOT_TYPE = "pulumi:pulumi:Stack";
/** Closing lines the engine adds to every failure; the errors before them say what went wrong. */
const GENERIC_FAILURES = /^(update|destroy|refresh|preview) failed$/;

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m${String(totalSeconds % 60).padStart(2, "0")}s`;
}

/** Drops the severity and `[runtime]` prefixes the engine and the provider host put in front of messages. */
export function cleanDiagnostic(message: string): string {
  return message
    .trim()
    .replace(/^(info|warning|error): /, "")
    .replace(/^\[runtime\] /, "")
    .trim();
}

export class EngineProgress {
  private readonly now: () => number;
  private readonly redact: (text: string) => string;
  private readonly startedAt: number;
  private readonly running = new Map<string, number>();
  private readonly state: ProgressReport = { changes: {}, result: null, steps: [], failedSteps: [], errors: [] };

  constructor(options: EngineProgressOptions = {}) {
    this.now = options.now ?? Date.now;
    this.redact = options.redact ?? ((text) => text);
    this.startedAt = this.now();
  }

  /** Feeds one line of the engine's output; returns the progress lines (possibly none) it gives rise to. */
  accept(line: string): string[] {
    const event = parseEngineEvent(line);
    return event === null ? [] : this.handle(event);
  }

  handle(event: EngineEvent): string[] {
    const at = this.now();
    switch (event.kind) {
      case "step-start":
        this.running.set(stepKey(event.urn, event.op), at);
        return [];
      case "step-done":
      case "step-failed":
        return this.finishStep(event.kind === "step-failed", event.op, event.urn, event.type, at);
      case "diagnostic":
        return this.diagnostic(event.severity, event.message, event.ephemeral, at);
      case "summary":
        this.state.changes = event.changes;
        this.state.result = event.result;
        return [];
      default:
        return [];
    }
  }

  report(): ProgressReport {
    return {
      changes: { ...this.state.changes },
      result: this.state.result,
      steps: [...this.state.steps],
      failedSteps: [...this.state.failedSteps],
      errors: [...this.state.errors],
    };
  }

  private finishStep(failed: boolean, op: string, urn: string, type: string, at: number): string[] {
    const started = this.running.get(stepKey(urn, op)) ?? at;
    this.running.delete(stepKey(urn, op));
    if (type === ROOT_TYPE) return [];
    const name = resourceNameOf(urn);
    const shortType = shortTypeOf(type);
    const took = at - started;
    if (failed) {
      this.state.failedSteps.push({ op, type: shortType, name });
      return [this.line(at, `FAILED    ${op} ${shortType} ${name} (${formatDuration(took)})`)];
    }
    if (op === "same") return [];
    this.state.steps.push({ phase: `${op} ${shortType} ${name}`, ms: took });
    const verb = (PAST_TENSE[op] ?? op).padEnd(9);
    return [this.line(at, `${verb} ${shortType} ${name} (${formatDuration(took)})`)];
  }

  private diagnostic(severity: string, message: string, ephemeral: boolean, at: number): string[] {
    if (severity === "debug" || ephemeral) return [];
    const text = this.redact(cleanDiagnostic(message));
    if (text === "") return [];
    if (severity === "error") {
      if (GENERIC_FAILURES.test(text)) return [];
      this.state.errors.push(text);
    }
    const mark = severity === "error" ? "error:" : severity.startsWith("warning") ? "warning:" : "·";
    return text
      .split("\n")
      .map((part, index) => this.line(at, `${index === 0 ? mark : " ".repeat(mark.length)} ${part}`));
  }

  private line(at: number, text: string): string {
    return `${formatDuration(at - this.startedAt).padStart(7)}  ${text}`;
  }
}

function stepKey(urn: string, op: string): string {
  // A replacement runs a create and a delete for the same URN; each is its own step.
  return `${op}\u0000${urn}`;
}
