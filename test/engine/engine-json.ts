// Narrowing of the JSON the `pulumi` CLI prints, into the few shapes engine tests assert on. Field names follow
// the CLI's own types: apitype.EngineEvent (`up/refresh/destroy --json`, one event per line), display.PreviewDigest
// (`preview --json`), stackSummaryJSON (`stack ls --json`) and apitype.UntypedDeployment (`stack export`).
import { isRecord } from "../../providers/common/narrow";

export type JsonObject = Record<string, unknown>;

/** One resource operation the engine performed (or, for preview, planned). */
export interface EngineStep {
  op: string;
  urn: string;
  type: string;
  /** Outputs after the step; absent for deletes and for planned steps that have none yet. */
  outputs?: JsonObject;
}

/** What an update-like command did, reduced from its JSON output. */
export interface OperationReport {
  /** Count per operation kind (`create`, `update`, `same`, `delete`, ...), as the engine summarises it. */
  changes: Record<string, number>;
  /** Resource steps in the order they finished. */
  steps: EngineStep[];
  /** Non-debug diagnostics, e.g. program output and errors. */
  diagnostics: { severity: string; message: string; urn?: string }[];
}

export interface StackSummary {
  name: string;
  current: boolean;
  lastUpdate?: string;
  resourceCount?: number;
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs: JsonObject;
  outputs: JsonObject;
}

function stringField(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== "string") {
    throw new Error(`${what}: expected string \`${key}\`, got ${JSON.stringify(value)}`);
  }
  return value;
}

function countMap(value: unknown, what: string): Record<string, number> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isRecord(value)) {
    throw new Error(`${what}: expected an object of counts, got ${JSON.stringify(value)}`);
  }
  const counts: Record<string, number> = {};
  for (const [op, n] of Object.entries(value)) {
    if (typeof n !== "number") {
      throw new Error(`${what}: count for \`${op}\` is not a number`);
    }
    counts[op] = n;
  }
  return counts;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON (${(err as Error).message}): ${text.slice(0, 400)}`);
  }
}

/** Reads the newline-delimited engine events printed by `up/refresh/destroy --json`. */
export function parseEngineEvents(stdout: string): OperationReport {
  const report: OperationReport = { changes: {}, steps: [], diagnostics: [] };
  let sawSummary = false;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    const event = parseJson(line, "engine event line");
    if (!isRecord(event)) {
      throw new Error(`engine event line is not an object: ${line.slice(0, 400)}`);
    }
    if (isRecord(event.summaryEvent)) {
      report.changes = countMap(event.summaryEvent.resourceChanges, "summaryEvent.resourceChanges");
      sawSummary = true;
    }
    if (isRecord(event.resOutputsEvent) && isRecord(event.resOutputsEvent.metadata)) {
      const meta = event.resOutputsEvent.metadata;
      const step: EngineStep = {
        op: stringField(meta, "op", "resOutputsEvent.metadata"),
        urn: stringField(meta, "urn", "resOutputsEvent.metadata"),
        type: stringField(meta, "type", "resOutputsEvent.metadata"),
      };
      if (isRecord(meta.new) && isRecord(meta.new.outputs)) {
        step.outputs = meta.new.outputs;
      }
      report.steps.push(step);
    }
    if (isRecord(event.diagnosticEvent)) {
      const d = event.diagnosticEvent;
      if (d.severity !== "debug" && d.ephemeral !== true) {
        report.diagnostics.push({
          severity: stringField(d, "severity", "diagnosticEvent"),
          message: stringField(d, "message", "diagnosticEvent"),
          ...(typeof d.urn === "string" && d.urn !== "" ? { urn: d.urn } : {}),
        });
      }
    }
  }
  if (!sawSummary) {
    throw new Error(`the engine printed no summaryEvent; output was:\n${stdout.slice(0, 2000)}`);
  }
  return report;
}

/** Reads the single digest object printed by `preview --json`. */
export function parsePreviewDigest(stdout: string): OperationReport {
  const digest = parseJson(stdout, "preview digest");
  if (!isRecord(digest)) {
    throw new Error(`preview digest is not an object: ${stdout.slice(0, 400)}`);
  }
  const steps: EngineStep[] = [];
  for (const raw of Array.isArray(digest.steps) ? digest.steps : []) {
    if (!isRecord(raw)) {
      throw new Error(`preview digest step is not an object: ${JSON.stringify(raw)}`);
    }
    const urn = stringField(raw, "urn", "preview step");
    const newState = isRecord(raw.newState) ? raw.newState : undefined;
    steps.push({
      op: stringField(raw, "op", "preview step"),
      urn,
      type: newState && typeof newState.type === "string" ? newState.type : (urn.split("::")[2] ?? ""),
      ...(newState && isRecord(newState.outputs) ? { outputs: newState.outputs } : {}),
    });
  }
  const diagnostics = (Array.isArray(digest.diagnostics) ? digest.diagnostics : []).filter(isRecord).map((d) => ({
    severity: String(d.severity),
    message: String(d.message),
    ...(typeof d.urn === "string" && d.urn !== "" ? { urn: d.urn } : {}),
  }));
  return { changes: countMap(digest.changeSummary, "preview changeSummary"), steps, diagnostics };
}

/** Reads `stack ls --json`. */
export function parseStackList(stdout: string): StackSummary[] {
  const list = parseJson(stdout, "stack list");
  if (!Array.isArray(list)) {
    throw new Error(`stack list is not an array: ${stdout.slice(0, 400)}`);
  }
  return list.map((raw) => {
    if (!isRecord(raw)) {
      throw new Error(`stack list entry is not an object: ${JSON.stringify(raw)}`);
    }
    return {
      name: stringField(raw, "name", "stack list entry"),
      current: raw.current === true,
      ...(typeof raw.lastUpdate === "string" ? { lastUpdate: raw.lastUpdate } : {}),
      ...(typeof raw.resourceCount === "number" ? { resourceCount: raw.resourceCount } : {}),
    };
  });
}

/** Reads `stack output --json`. */
export function parseStackOutputs(stdout: string): JsonObject {
  const outputs = parseJson(stdout, "stack outputs");
  if (!isRecord(outputs)) {
    throw new Error(`stack outputs are not an object: ${stdout.slice(0, 400)}`);
  }
  return outputs;
}

/** Reads the resources of `stack export` (a v3 deployment). */
export function parseStackExport(stdout: string): StateResource[] {
  const exported = parseJson(stdout, "stack export");
  if (!isRecord(exported) || !isRecord(exported.deployment)) {
    throw new Error(`stack export has no \`deployment\`: ${stdout.slice(0, 400)}`);
  }
  const resources = exported.deployment.resources;
  return (Array.isArray(resources) ? resources : []).map((raw) => {
    if (!isRecord(raw)) {
      throw new Error(`exported resource is not an object: ${JSON.stringify(raw)}`);
    }
    return {
      urn: stringField(raw, "urn", "exported resource"),
      type: stringField(raw, "type", "exported resource"),
      ...(typeof raw.id === "string" ? { id: raw.id } : {}),
      inputs: isRecord(raw.inputs) ? raw.inputs : {},
      outputs: isRecord(raw.outputs) ? raw.outputs : {},
    };
  });
}
