/**
 * One line of the audit: what a preview stack is (from its name, outputs and tags) and how it is doing (from the
 * stack list and its last update). Outputs are missing when the first `up` failed, so tags fill in app and branch.
 */
import { parseStackName } from "../../stacks/naming";
import type { LastUpdate, StackListEntry } from "./stacks";

export interface PreviewSummary {
  stack: string;
  app: string;
  pr: number;
  branch: string | null;
  url: string | null;
  createdAt: string | null;
  lastUpdate: string | null;
  ageDays: number | null;
  resourceCount: number | null;
  status: "ok" | "failed" | "in-progress" | "unknown";
  /** The commit the preview runs, when its last successful update deployed one. */
  commit: string | null;
}

/** Stack tags the CLI sets on every preview stack. */
export const PREVIEW_TAGS = {
  app: "forge-previews:app",
  pr: "forge-previews:pr",
  branch: "forge-previews:branch",
  createdAt: "forge-previews:created-at",
} as const;

/** Shown for `pr-<n>` stacks whose app nothing records (never updated, no tags) and no configuration names. */
export const UNKNOWN_DEFAULT_APP = "(default app)";

const DAY_MS = 86_400_000;

/** The preview's PR and app (null: the default app) if `stack` names one; null for any other stack. */
export function parsePreviewStack(stack: string): { app: string | null; pr: number } | null {
  try {
    const parsed = parseStackName(stack, "\u0000no-snapshots-stack");
    return parsed.kind === "preview" ? { app: parsed.app, pr: parsed.pr } : null;
  } catch {
    return null;
  }
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function statusOf(entry: StackListEntry, last: LastUpdate | null): PreviewSummary["status"] {
  if (entry.updateInProgress || last?.result === "in-progress" || last?.result === "not-started") return "in-progress";
  if (last?.result === "succeeded") return "ok";
  if (last?.result === "failed") return "failed";
  return "unknown";
}

export function buildPreviewSummary(input: {
  entry: StackListEntry;
  outputs: Record<string, unknown>;
  tags: Record<string, string>;
  last: LastUpdate | null;
  defaultApp: string | null;
  now: number;
}): PreviewSummary | null {
  const { entry, outputs, tags, last, defaultApp, now } = input;
  const parsed = parsePreviewStack(entry.name);
  if (parsed === null) return null;
  const createdAt = text(outputs.createdAt) ?? text(tags[PREVIEW_TAGS.createdAt]);
  const createdMs = createdAt === null ? NaN : Date.parse(createdAt);
  return {
    stack: entry.name,
    app: text(outputs.app) ?? text(tags[PREVIEW_TAGS.app]) ?? parsed.app ?? defaultApp ?? UNKNOWN_DEFAULT_APP,
    pr: parsed.pr,
    branch: text(outputs.branch) ?? text(tags[PREVIEW_TAGS.branch]),
    url: text(outputs.url),
    createdAt,
    lastUpdate: entry.lastUpdate ?? last?.endTime ?? null,
    ageDays: Number.isNaN(createdMs) ? null : Math.max(0, Math.floor(((now - createdMs) / DAY_MS) * 10) / 10),
    resourceCount: entry.resourceCount,
    status: statusOf(entry, last),
    commit: text(outputs.commit),
  };
}
