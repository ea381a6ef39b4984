/**
 * A failed `pulumi up`, `destroy` or `refresh` of a preview: which steps failed, the engine's errors (redacted), the timings so
 * far, and what to do next. Callers that report on a PR read the fields; people read the message.
 */
import { UserError } from "../../providers/common/user-error";
import { type FailedStep, type PhaseTiming, type ProgressReport, formatDuration } from "../progress";

export type PreviewOperation = "up" | "destroy" | "refresh";

const NEXT_STEP: Record<PreviewOperation, string> = {
  up:
    "Fix the cause above, then run the same `up` again: it continues from what exists (a failed update keeps what it " +
    "created). `forge-previews doctor` checks the configuration and the server; `destroy` removes the preview.",
  destroy:
    "Fix the cause above and run `destroy` again; it continues with what is left. Destroy runs the providers with the " +
    "configuration recorded at the last `up`, so after rotating the Forge token or the SSH key run `up` once (or " +
    "`destroy --run-program`) first.",
  refresh:
    "A refresh changes nothing on Forge. Fix the cause above and run `forge-previews refresh` again; " +
    "`forge-previews doctor` checks the configuration and the server.",
};

export class PreviewOperationError extends UserError {
  override readonly name = "PreviewOperationError";

  constructor(
    readonly operation: PreviewOperation,
    /** Not `stack`, which every Error already has (its trace). */
    readonly stackName: string,
    readonly report: ProgressReport,
    readonly timings: PhaseTiming[],
    /** The redacted tail of the CLI's stderr, for failures that happen before any engine event. */
    readonly stderrTail: string,
    elapsedMs: number,
  ) {
    super(describe(operation, stackName, report, stderrTail, elapsedMs));
  }

  get failedSteps(): FailedStep[] {
    return this.report.failedSteps;
  }

  get errors(): string[] {
    return this.report.errors;
  }
}

function describe(
  operation: PreviewOperation,
  stack: string,
  report: ProgressReport,
  stderrTail: string,
  elapsedMs: number,
): string {
  const counts = Object.entries(report.changes)
    .filter(([op]) => op !== "same")
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  const lines = [
    `\`pulumi ${operation}\` of stack ${stack} failed after ${formatDuration(elapsedMs)}${counts ? ` (${counts})` : ""}.`,
  ];
  if (report.failedSteps.length > 0) {
    lines.push(`Failed: ${report.failedSteps.map((s) => `${s.op} ${s.type} ${s.name}`).join("; ")}.`);
  }
  if (report.errors.length > 0) {
    lines.push("Errors:", ...report.errors.map((e) => `  - ${e.replace(/\n/g, "\n    ")}`));
  } else if (stderrTail !== "") {
    lines.push(stderrTail);
  }
  lines.push(NEXT_STEP[operation]);
  return lines.join("\n");
}
