/**
 * What the commands print: aligned tables for people, JSON for machines, stack outputs with secrets masked, and
 * phase timings. Cell text comes from tags and outputs anyone with backend access could set, so control characters
 * (terminal escapes included) are replaced before anything reaches a terminal.
 */
import type { Env } from "./cli-config";
import { formatDuration, type PhaseTiming } from "./progress";
import type { PreviewSummary } from "./pulumi/preview-summary";

export const SECRET_PLACEHOLDER = "[secret]";

/** What a command reads and writes, passed in so tests can run commands in-process. */
export interface CliIo {
  /** Results: tables, outputs, JSON. */
  out(text: string): void;
  /** Progress and errors, so `--json` output on `out` stays parseable. */
  err(text: string): void;
  env: Env;
  cwd: string;
}

/** What every command module exports; `main` finds them by name. */
export interface CommandModule {
  /** One line for the command list. */
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this replaces
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function sanitizeCell(text: string): string {
  return text.replace(CONTROL, "?");
}

/** Columns padded to their widest cell, separated by two spaces, trailing spaces trimmed. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const clean = [headers, ...rows].map((row) => row.map(sanitizeCell));
  const widths = headers.map((_, column) => Math.max(...clean.map((row) => (row[column] ?? "").length)));
  return clean
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatAge(days: number | null): string {
  if (days === null) return "-";
  return days < 1 ? "<1d" : `${Math.floor(days)}d`;
}

/** `2026-11-27 19:06 (3h ago)`, in UTC. */
export function formatLastUpdate(iso: string | null, now: number): string {
  if (iso === null) return "-";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return sanitizeCell(iso);
  const stamp = new Date(at).toISOString().slice(0, 16).replace("T", " ");
  const minutes = Math.max(0, Math.round((now - at) / 60_000));
  const ago =
    minutes < 60
      ? `${minutes}m`
      : minutes < 48 * 60
        ? `${Math.floor(minutes / 60)}h`
        : `${Math.floor(minutes / 1440)}d`;
  return `${stamp} (${ago} ago)`;
}

const PREVIEW_HEADERS = [
  "STACK",
  "APP",
  "PR",
  "BRANCH",
  "STATUS",
  "AGE",
  "LAST UPDATE (UTC)",
  "RESOURCES",
  "URL",
] as const;

export function formatPreviewTable(previews: readonly PreviewSummary[], now: number): string {
  if (previews.length === 0) return "No preview stacks.";
  const rows = previews.map((p) => [
    p.stack,
    p.app,
    String(p.pr),
    p.branch ?? "-",
    p.status,
    formatAge(p.ageDays),
    formatLastUpdate(p.lastUpdate, now),
    p.resourceCount === null ? "-" : String(p.resourceCount),
    p.url ?? "-",
  ]);
  const failed = previews.filter((p) => p.status === "failed").length;
  const footer = `${previews.length} preview${previews.length === 1 ? "" : "s"}${failed > 0 ? `, ${failed} failed` : ""}.`;
  return `${formatTable(PREVIEW_HEADERS, rows)}\n${footer}`;
}

/** Stack outputs as `key  value` lines; secret outputs only as a placeholder, with how to read them where allowed. */
export function formatOutputs(stack: string, outputs: Record<string, unknown>): string {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) return "(no outputs)";
  const rows = keys.map((key) => {
    const value = outputs[key];
    if (value === SECRET_PLACEHOLDER)
      return [key, `${SECRET_PLACEHOLDER} (pulumi stack output ${key} --show-secrets --stack ${stack})`];
    return [key, typeof value === "string" ? value : JSON.stringify(value)];
  });
  return formatTable(["OUTPUT", "VALUE"], rows);
}

export function formatTimings(timings: readonly PhaseTiming[]): string {
  return formatTable(
    ["PHASE", "TIME"],
    timings.map((t) => [t.phase, formatDuration(t.ms)]),
  );
}

export function formatChanges(changes: Readonly<Record<string, number>>): string {
  const parts = Object.entries(changes).map(([op, n]) => `${n} ${op}`);
  return parts.length === 0 ? "no changes" : parts.join(", ");
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
