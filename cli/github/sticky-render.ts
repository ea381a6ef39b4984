/** Renders the sticky PR comment (and the job summary, which is the same text without the hidden parts). */
import { COMMAND_HELP } from "./comment-commands";
import type { PreviewStatus, StickyState } from "./sticky-state";

export function stickyMarker(pr: number): string {
  return `<!-- forge-previews:pr-${pr} -->`;
}

const HEADLINES: Record<PreviewStatus, string> = {
  deploying: "⏳ Preview is being deployed",
  ready: "✅ Preview ready",
  failed: "❌ Preview deployment failed",
  destroying: "⏳ Preview is being removed",
  destroyed: "🗑️ Preview removed",
  "destroy-failed": "❌ Removing the preview failed",
  none: "Preview environment",
};

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

export function renderStatus(state: StickyState): string {
  const lines: string[] = [];
  lines.push(`### ${HEADLINES[state.status]}${state.status === "ready" && state.url ? `: ${state.url}` : ""}`);
  lines.push("");
  if (state.notice) {
    const icon = state.notice.kind === "refused" ? "🚫" : state.notice.kind === "expiry" ? "⏰" : "ℹ️";
    lines.push(`> ${icon} ${state.notice.text.replace(/\n/g, "\n> ")}`);
    lines.push(`> <sub>${state.notice.at}</sub>`);
    lines.push("");
  }
  if (state.status !== "none") {
    const rows: Array<[string, string]> = [];
    if (state.url) rows.push(["URL", state.status === "destroyed" ? cell(state.url) + " (removed)" : state.url]);
    if (state.app) rows.push(["App", `${code(state.app)}${state.stack ? ` (stack ${code(state.stack)})` : ""}`]);
    if (state.branch) rows.push(["Branch", code(state.branch)]);
    if (state.commit) rows.push(["Commit", code(state.commit)]);
    if (state.snapshot) rows.push(["Database snapshot", cell(state.snapshot)]);
    if (state.basicAuthUser && state.status === "ready" && state.stack) {
      rows.push([
        "Basic auth",
        `user ${code(state.basicAuthUser)}, the password from \`pulumi stack output basicAuthPassword --show-secrets -s ${state.stack}\``,
      ]);
    }
    if (state.updatedAt) rows.push(["Updated", state.updatedAt]);
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
      `<sub>Scheduled for removal after ${state.expiryWarning.destroyAfter} unless updated or labelled \`keep-preview\`.</sub>`,
    );
    lines.push("");
  }
  lines.push(`<sub>${COMMAND_HELP}</sub>`);
  return lines.join("\n");
}
