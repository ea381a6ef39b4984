/**
 * The engine events `pulumi up|destroy --json` prints, one JSON object per line (apitype.EngineEvent), narrowed to the
 * few kinds the CLI reports on. Unknown kinds and lines that are not JSON are tolerated, since the CLI may add both.
 */
import { isRecord } from "../../providers/common/narrow";

export interface StepEventData {
  op: string;
  urn: string;
  type: string;
}

export type EngineEvent =
  | ({ kind: "step-start" } & StepEventData)
  | ({ kind: "step-done" } & StepEventData)
  | ({ kind: "step-failed" } & StepEventData)
  | { kind: "diagnostic"; severity: string; message: string; urn: string | null; ephemeral: boolean }
  | { kind: "summary"; changes: Record<string, number>; result: string | null }
  | { kind: "other" };

function stepData(event: unknown): StepEventData | null {
  if (!isRecord(event) || !isRecord(event.metadata)) return null;
  const { op, urn, type } = event.metadata;
  if (typeof op !== "string" || typeof urn !== "string" || typeof type !== "string") return null;
  return { op, urn, type };
}

function counts(value: unknown): Record<string, number> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === "number"),
  );
}

/** One line of `--json` output as an event, or null when the line is blank or not a JSON object. */
export function parseEngineEvent(line: string): EngineEvent | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(event)) return null;
  const start = stepData(event.resourcePreEvent);
  if (start) return { kind: "step-start", ...start };
  const done = stepData(event.resOutputsEvent);
  if (done) return { kind: "step-done", ...done };
  const failed = stepData(event.resOpFailedEvent);
  if (failed) return { kind: "step-failed", ...failed };
  const diagnostic = event.diagnosticEvent;
  if (isRecord(diagnostic) && typeof diagnostic.message === "string") {
    return {
      kind: "diagnostic",
      severity: typeof diagnostic.severity === "string" ? diagnostic.severity : "info",
      message: diagnostic.message,
      urn: typeof diagnostic.urn === "string" && diagnostic.urn !== "" ? diagnostic.urn : null,
      ephemeral: diagnostic.ephemeral === true,
    };
  }
  const summary = event.summaryEvent;
  if (isRecord(summary)) {
    return {
      kind: "summary",
      changes: counts(summary.resourceChanges),
      result: typeof summary.result === "string" ? summary.result : null,
    };
  }
  return { kind: "other" };
}

/** The resource name at the end of a URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`). */
export function resourceNameOf(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at === -1 ? urn : urn.slice(at + 2);
}

/** `pulumi-nodejs:dynamic/forge:Site` → `forge:Site`; other types unchanged. */
export function shortTypeOf(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
}
