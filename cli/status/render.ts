/** The status report for people: aligned tables for a terminal, Markdown tables for a job summary. */
import { formatAge, formatLastUpdate, formatTable, sanitizeCell } from "../output";
import type { PreviewStatus, ServerStatus, StatusReport } from "./collect";
import { formatBytes } from "./headroom";

const DASH = "-";

function bytes(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : formatBytes(value);
}

function serverRows(server: ServerStatus): string[][] {
  const load =
    server.load1 === null
      ? DASH
      : `${server.load1.toFixed(2)} ${server.load5?.toFixed(2)} ${server.load15?.toFixed(2)} (${server.cpus} CPUs)`;
  const memory =
    server.memoryUsedBytes === null
      ? DASH
      : `${bytes(server.memoryUsedBytes)} of ${bytes(server.memoryTotalBytes)} used (${server.memoryPercent}%; floor ${server.floors.maxMemoryPercent}%)`;
  return [
    ["server", `${server.serverId} (${server.host})`],
    ["load", load],
    ["memory", memory],
    ...server.disks.map((d) => [
      `disk ${d.role}`,
      `${d.path} on ${d.mount}: ${bytes(d.totalBytes - d.freeBytes)} used, ${bytes(d.freeBytes)} free of ${bytes(d.totalBytes)}`,
    ]),
    ["preview sites", server.activePreviewSites === null ? DASH : String(server.activePreviewSites)],
    ...server.masters.map((m) => [
      `master ${m.app}`,
      `${m.database}: ${bytes(m.sizeBytes)}, taken ${m.takenAt === null ? "at an unknown time" : `${formatAge(m.ageDays)} ago (${m.takenAt})`}` +
        `; a new preview needs ${bytes(m.sizeBytes === null ? null : m.sizeBytes * server.floors.diskMargin)} free (diskMargin ${server.floors.diskMargin})`,
    ]),
  ];
}

const PREVIEW_HEADERS = [
  "STACK",
  "APP",
  "PR",
  "STATUS",
  "AGE",
  "CREATED",
  "LAST UPDATE",
  "DEPLOYS OK",
  "DATABASE",
  "REDIS",
  "QUEUE",
  "WORKER",
];

function previewRow(p: PreviewStatus, now: number): string[] {
  const deploys =
    p.deployments === null
      ? DASH
      : p.deployments.successRate === null
        ? `- of ${p.deployments.counted}`
        : `${Math.round(p.deployments.successRate * 100)}% of ${p.deployments.succeeded + p.deployments.failed}`;
  const redis =
    p.redis === null
      ? DASH
      : `db ${p.redis.db}: ${p.redis.keys} keys, ${p.redis.memoryBytes === null ? "?" : `${p.redis.sampledKeys >= p.redis.keys ? "" : "~"}${bytes(p.redis.memoryBytes)}`}`;
  const queue =
    p.redis === null || p.redis.queues.length === 0
      ? DASH
      : p.redis.queues.map((q) => `${q.queue} ${q.ready}+${q.delayed}d+${q.reserved}r`).join(", ");
  const worker =
    p.worker === null
      ? DASH
      : p.worker.processes.length === 0
        ? "none"
        : p.worker.processes.map((w) => w.status).join(", ");
  return [
    p.stack,
    p.app,
    String(p.pr),
    p.status,
    formatAge(p.ageDays),
    p.createdAt === null ? DASH : formatLastUpdate(p.createdAt, now),
    formatLastUpdate(p.lastUpdate, now),
    deploys,
    `${p.database.name} ${bytes(p.database.sizeBytes)}`,
    redis,
    queue,
    worker,
  ];
}

/** The report as a terminal reads it. */
export function formatStatus(report: StatusReport, now: number): string {
  const parts = [formatTable(["", ""], serverRows(report.server)).replace(/^\s*\n/, "")];
  parts.push(
    report.previews.length === 0
      ? "No previews."
      : formatTable(
          PREVIEW_HEADERS,
          report.previews.map((p) => previewRow(p, now)),
        ),
  );
  if (report.problems.length > 0)
    parts.push(`Not read:\n${report.problems.map((p) => `  ${sanitizeCell(p)}`).join("\n")}`);
  parts.push("Redis memory marked ~ is estimated from sampled keys; QUEUE is ready+delayed+reserved jobs.");
  return parts.join("\n\n");
}

function markdownCell(text: string): string {
  return sanitizeCell(text).replace(/\|/g, "\\|");
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${headers.map(markdownCell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(markdownCell).join(" | ")} |`),
  ].join("\n");
}

/** The report as a job summary shows it. */
export function formatStatusMarkdown(report: StatusReport, now: number): string {
  return [
    "### Preview server",
    "",
    markdownTable(["", ""], serverRows(report.server)),
    "",
    "### Previews",
    "",
    report.previews.length === 0
      ? "No previews."
      : markdownTable(
          PREVIEW_HEADERS,
          report.previews.map((p) => previewRow(p, now)),
        ),
    ...(report.problems.length > 0 ? ["", "Not read:", "", ...report.problems.map((p) => `- ${markdownCell(p)}`)] : []),
    "",
  ].join("\n");
}
