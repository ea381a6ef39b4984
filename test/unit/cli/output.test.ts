// What people and machines read: the audit table, stack outputs with secrets masked, and JSON.
import {
  formatAge,
  formatLastUpdate,
  formatOutputs,
  formatPreviewTable,
  formatTable,
  sanitizeCell,
  toJson,
} from "../../../cli/output";
import type { PreviewSummary } from "../../../cli/pulumi/preview-summary";

const NOW = Date.parse("2026-11-27T12:00:00Z");

function preview(overrides: Partial<PreviewSummary>): PreviewSummary {
  return {
    stack: "pr-1",
    app: "demo",
    pr: 1,
    branch: "main",
    url: "https://pr-1.p.example.com",
    createdAt: "2026-11-20T09:00:00.000Z",
    lastUpdate: "2026-11-27T09:30:00.000Z",
    ageDays: 7.1,
    resourceCount: 11,
    status: "ok",
    commit: null,
    ...overrides,
  };
}

describe("formatPreviewTable", () => {
  it("aligns one row per preview under the headers and counts failures", () => {
    const table = formatPreviewTable(
      [
        preview({}),
        preview({
          stack: "blog-pr-12",
          app: "blog",
          pr: 12,
          branch: null,
          url: null,
          ageDays: null,
          lastUpdate: null,
          resourceCount: null,
          status: "failed",
        }),
      ],
      NOW,
    );

    expect(table.split("\n")).toEqual([
      "STACK       APP   PR  BRANCH  STATUS  AGE  LAST UPDATE (UTC)          RESOURCES  URL",
      "pr-1        demo  1   main    ok      7d   2026-11-27 09:30 (2h ago)  11         https://pr-1.p.example.com",
      "blog-pr-12  blog  12  -       failed  -    -                          -          -",
      "2 previews, 1 failed.",
    ]);
  });

  it("says so when there are no previews", () => {
    expect(formatPreviewTable([], NOW)).toBe("No preview stacks.");
  });

  it("replaces control characters from tags, so a branch name cannot send terminal escapes", () => {
    const table = formatPreviewTable([preview({ branch: "evil\u001b[2Jbranch" })], NOW);
    expect(table).not.toContain("\u001b");
    expect(table).toContain("evil?[2Jbranch");
  });
});

describe("formatOutputs", () => {
  it("shows secret outputs only as a placeholder with how to read them", () => {
    const text = formatOutputs("pr-1", {
      url: "https://pr-1.p.example.com",
      basicAuthPassword: "[secret]",
      redisDb: 3,
    });

    expect(text.split("\n")).toEqual([
      "OUTPUT             VALUE",
      "basicAuthPassword  [secret] (pulumi stack output basicAuthPassword --show-secrets --stack pr-1)",
      "redisDb            3",
      "url                https://pr-1.p.example.com",
    ]);
  });
});

describe("small formatters", () => {
  it.each([
    [null, "-"],
    [0.4, "<1d"],
    [3.9, "3d"],
  ])("shows an age of %p days as %s", (days, text) => {
    expect(formatAge(days)).toBe(text);
  });

  it.each([
    ["2026-11-27T11:55:00Z", "2026-11-27 11:55 (5m ago)"],
    ["2026-11-25T12:00:00Z", "2026-11-25 12:00 (2d ago)"],
    [null, "-"],
  ])("shows the last update %p as %s", (iso, text) => {
    expect(formatLastUpdate(iso, NOW)).toBe(text);
  });

  it("pads columns to the widest cell and trims trailing spaces", () => {
    expect(formatTable(["A", "BB"], [["xxx", ""]])).toBe("A    BB\nxxx");
    expect(sanitizeCell("a\nb\tc")).toBe("a?b?c");
  });

  it("prints JSON that parses back to the same value", () => {
    const value = [preview({})];
    expect(JSON.parse(toJson(value))).toEqual(value);
  });
});
