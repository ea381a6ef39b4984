// The status report as people read it: what could not be read shows as `-` and is listed, never as a zero.
import type { StatusReport } from "../../../../cli/status/collect";
import { formatStatus, formatStatusMarkdown } from "../../../../cli/status/render";

const NOW = Date.parse("2026-03-04T10:00:00.000Z");

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    generatedAt: "2026-03-04T10:00:00.000Z",
    server: {
      serverId: 4242,
      host: "203.0.113.10",
      load1: null,
      load5: null,
      load15: null,
      cpus: null,
      memoryTotalBytes: null,
      memoryUsedBytes: null,
      memoryPercent: null,
      disks: [],
      activePreviewSites: null,
      masters: [{ app: "customer", database: "customer_master", sizeBytes: null, takenAt: null, ageDays: null }],
      floors: { maxMemoryPercent: 90, diskMargin: 2 },
    },
    previews: [
      {
        stack: "pr-7",
        app: "customer",
        pr: 7,
        branch: "feature/a",
        url: null,
        status: "failed",
        createdAt: "2026-03-01T10:00:00.000Z",
        lastUpdate: "2026-03-04T07:00:00.000Z",
        ageDays: 3,
        database: { name: "customer_pr_7", sizeBytes: null, tables: null },
        redis: null,
        deployments: { counted: 4, succeeded: 3, failed: 1, successRate: 0.75 },
        worker: { processes: [{ id: 1, status: "backoff" }] },
      },
    ],
    problems: ["ssh forge@203.0.113.10:22: connection refused"],
    ...overrides,
  };
}

describe("formatStatus", () => {
  it("shows unread figures as `-`, lists what was not read, and each preview's deployments and worker", () => {
    const text = formatStatus(report(), NOW);
    expect(text).toMatch(/^memory\s+-$/m);
    expect(text).toContain("master customer  customer_master: -, taken at an unknown time");
    expect(text).toMatch(
      /^pr-7\s+customer\s+7\s+failed\s+3d\s+2026-03-01 10:00 \(3d ago\)\s+.*75% of 4\s+customer_pr_7 -\s+-\s+-\s+backoff$/m,
    );
    expect(text).toContain("Not read:\n  ssh forge@203.0.113.10:22: connection refused");
  });

  it("writes Markdown tables for the job summary, escaping pipes in cells", () => {
    const text = formatStatusMarkdown(report({ problems: ["redis: a|b"] }), NOW);
    expect(text).toContain("### Preview server");
    expect(text).toContain("| pr-7 | customer | 7 | failed |");
    expect(text).toContain("- redis: a\\|b");
  });
});
