/**
 * What the sticky PR comment records, kept inside it as a hidden, base64-encoded JSON comment. It is the memory of
 * the automation for one PR: the last result (shown above it in words) and the expiry warning sweep posted, so a
 * second sweep run does not warn again.
 */
import { isRecord as isObject } from "../../providers/common/narrow";

export type PreviewStatus = "deploying" | "ready" | "failed" | "destroying" | "destroyed" | "destroy-failed" | "none";

export interface Notice {
  /** `refused`: a command was not run; `expiry`: sweep's TTL warning; `info`: anything else worth saying. */
  kind: "refused" | "expiry" | "info";
  text: string;
  at: string;
  /** Replaces the status headline while the notice stands (a pause, no free slot, a refused command). */
  headline?: string;
}

export interface StickyState {
  version: 1;
  pr: number;
  stack: string | null;
  app: string | null;
  status: PreviewStatus;
  url: string | null;
  branch: string | null;
  commit: string | null;
  snapshot: string | null;
  basicAuthUser: string | null;
  /** Where reviewers find the basic-auth password, in words; never the password itself. */
  basicAuthHint: string | null;
  /** The repository's page (e.g. https://github.com/acme/customer), for links to the commit and the branch. */
  repoUrl: string | null;
  timings: Array<{ phase: string; ms: number }>;
  /** When the status last changed. */
  updatedAt: string | null;
  runUrl: string | null;
  failure: { step: string; excerpt: string } | null;
  notice: Notice | null;
  /** The TTL warning: posted once per `lastUpdate` of the stack; destruction waits until `destroyAfter`. */
  expiryWarning: { lastUpdate: string; warnedAt: string; destroyAfter: string } | null;
}

export function emptyState(pr: number): StickyState {
  return {
    version: 1,
    pr,
    stack: null,
    app: null,
    status: "none",
    url: null,
    branch: null,
    commit: null,
    snapshot: null,
    basicAuthUser: null,
    basicAuthHint: null,
    repoUrl: null,
    timings: [],
    updatedAt: null,
    runUrl: null,
    failure: null,
    notice: null,
    expiryWarning: null,
  };
}

export const STATE_PREFIX = "<!-- forge-previews:state ";

export function encodeState(state: StickyState): string {
  return `${STATE_PREFIX}${Buffer.from(JSON.stringify(state), "utf8").toString("base64")} -->`;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Reads the hidden state back; anything malformed is dropped field by field rather than trusted. */
export function decodeState(body: string, pr: number): StickyState {
  const state = emptyState(pr);
  const start = body.lastIndexOf(STATE_PREFIX);
  if (start < 0) return state;
  const end = body.indexOf(" -->", start);
  let raw: unknown;
  try {
    raw = JSON.parse(
      Buffer.from(body.slice(start + STATE_PREFIX.length, end < 0 ? undefined : end), "base64").toString("utf8"),
    );
  } catch {
    return state;
  }
  if (!isObject(raw) || raw.version !== 1) return state;
  const statuses: readonly PreviewStatus[] = [
    "deploying",
    "ready",
    "failed",
    "destroying",
    "destroyed",
    "destroy-failed",
    "none",
  ];
  if (typeof raw.status === "string" && (statuses as readonly string[]).includes(raw.status))
    state.status = raw.status as PreviewStatus;
  for (const key of [
    "stack",
    "app",
    "url",
    "branch",
    "commit",
    "snapshot",
    "basicAuthUser",
    "basicAuthHint",
    "repoUrl",
    "updatedAt",
    "runUrl",
  ] as const) {
    state[key] = str(raw[key]);
  }
  if (Array.isArray(raw.timings)) {
    state.timings = raw.timings.filter(
      (t): t is { phase: string; ms: number } => isObject(t) && typeof t.phase === "string" && typeof t.ms === "number",
    );
  }
  if (isObject(raw.failure) && typeof raw.failure.step === "string" && typeof raw.failure.excerpt === "string") {
    state.failure = { step: raw.failure.step, excerpt: raw.failure.excerpt };
  }
  const notice = raw.notice;
  if (
    isObject(notice) &&
    typeof notice.text === "string" &&
    typeof notice.at === "string" &&
    ["refused", "expiry", "info"].includes(String(notice.kind))
  ) {
    state.notice = {
      kind: notice.kind as Notice["kind"],
      text: notice.text,
      at: notice.at,
      ...(typeof notice.headline === "string" ? { headline: notice.headline } : {}),
    };
  }
  const warning = raw.expiryWarning;
  if (
    isObject(warning) &&
    typeof warning.lastUpdate === "string" &&
    typeof warning.warnedAt === "string" &&
    typeof warning.destroyAfter === "string"
  ) {
    state.expiryWarning = {
      lastUpdate: warning.lastUpdate,
      warnedAt: warning.warnedAt,
      destroyAfter: warning.destroyAfter,
    };
  }
  return state;
}
