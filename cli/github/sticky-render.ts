/** Renders the sticky PR comment (and the job summary, which is the same text without the hidden parts). */
import { COMMAND_HELP } from "./comment-commands";
import type { PreviewStatus, StickyState } from "./sticky-state";

export function stickyMarker(pr: number): string {
  return `<!-- forge-previews:pr-${pr} -->`;
}

/** The gate job writes the "queued" headline itself; these are the states a run leaves behind. */
const HEADLINES: Record<PreviewStatus, string> = {
  deploying: "⏳ Deploying the preview",
  ready: "✅ Preview ready",
  failed: "❌ Preview deployment failed",
  destroying: "⏳ Removing the preview",
  destroyed: "🗑️ Preview removed",
  "destroy-failed": "❌ Removing the preview failed",
  none: "No preview for this PR",
};

/** What to do after a failure, on its own line under the headline. */
const NEXT_STEPS: Partial<Record<PreviewStatus, string>> = {
  failed:
    "**Next step:** read the failed step below, fix the cause, then push or comment `/update` " +
    "(`/update reset-db` also starts from a fresh copy of the database).",
  "destroy-failed":
    "**Next step:** comment `/destroy` to try again; if it fails the same way, a maintainer runs " +
    "`forge-previews destroy` for this PR's stack.",
};

/** `10:02 UTC`: the day is rarely in doubt on a PR, and the comment's own "edited" time gives it. */
export function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** `2025-03-07 10:02 UTC`, for times days away. */
export function dayAndClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 10)} ${clock(iso)}`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A fence longer than any run of backticks inside, so log text cannot close it early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** Table cells hold untrusted text (branch names); pipes and newlines would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}

/** A link on GitHub, only when the repository's page is known; each path segment escaped. */
function linked(text: string, repoUrl: string | null, kind: "commit" | "tree", target: string): string {
  if (!repoUrl) return text;
  const path = target.split("/").map(encodeURIComponent).join("/");
  return `[${text}](${repoUrl}/${kind}/${path})`;
}

function headline(state: StickyState): string {
  if (state.notice?.headline) return state.notice.headline;
  return `${HEADLINES[state.status]}${state.status === "ready" && state.url ? `: ${state.url}` : ""}`;
}

export function renderStatus(state: StickyState): string {
  const lines: string[] = [];
  lines.push(`### ${headline(state)}`);
  lines.push("");
  const next = NEXT_STEPS[state.status];
  if (next) lines.push(next, "");
  if (state.notice) {
    const icon = state.notice.kind === "refused" ? "🚫" : state.notice.kind === "expiry" ? "⏰" : "ℹ️";
    const text = state.notice.text.startsWith("♻️") ? state.notice.text : `${icon} ${state.notice.text}`;
    lines.push(`> ${text.replace(/\n/g, "\n> ")}`);
    lines.push(`> <sub>${clock(state.notice.at)}</sub>`);
    lines.push("");
  }
  if (state.status !== "none") {
    const rows: Array<[string, string]> = [];
    if (state.url) rows.push(["URL", state.status === "destroyed" ? cell(state.url) + " (removed)" : state.url]);
    if (state.app) rows.push(["App", `${code(state.app)}${state.stack ? ` (stack ${code(state.stack)})` : ""}`]);
    if (state.branch) rows.push(["Branch", linked(code(state.branch), state.repoUrl, "tree", state.branch)]);
    if (state.commit)
      rows.push(["Commit", linked(code(state.commit.slice(0, 7)), state.repoUrl, "commit", state.commit)]);
    if (state.snapshot) rows.push(["Database snapshot", cell(state.snapshot)]);
    if (state.basicAuthUser && state.status === "ready") {
      rows.push([
        "Basic auth",
        `user ${code(state.basicAuthUser)}${state.basicAuthHint ? `; the password is in ${cell(state.basicAuthHint)}` : ""}`,
      ]);
    }
    if (state.updatedAt) rows.push(["Updated", clock(state.updatedAt)]);
    if (state.runUrl) rows.push(["Run", `[workflow run](${state.runUrl})`]);
    lines.push("| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`));
    lines.push("");
  }
  if (state.timings.length > 0) {
    const total = state.timings.reduce((sum, t) => sum + t.ms, 0);
    lines.push(
      `**Timings:** ${state.timings.map((t) => `${cell(t.phase)} ${formatDuration(t.ms)}`).join(" · ")} · total ${formatDuration(total)}`,
    );
    lines.push("");
  }
  if (state.failure) {
    lines.push(`**Failed step:** ${code(state.failure.step)}${state.runUrl ? ` ([full log](${state.runUrl}))` : ""}`);
    lines.push("");
    lines.push(
      "<details><summary>Log excerpt (secrets removed)</summary>",
      "",
      fenced(state.failure.excerpt),
      "",
      "</details>",
    );
    lines.push("");
  }
  if (state.expiryWarning && state.notice?.kind !== "expiry" && state.status === "ready") {
    lines.push(
      `<sub>Scheduled for removal after ${dayAndClock(state.expiryWarning.destroyAfter)} unless updated or labelled \`keep-preview\`.</sub>`,
    );
    lines.push("");
  }
  lines.push(`<sub>${COMMAND_HELP}</sub>`);
  return lines.join("\n");
}
