// One audit line per preview stack: identity from the name, outputs and tags; health from the stack list and the
// last update. Stacks whose first update failed have no outputs, so tags fill in.
import { UNKNOWN_DEFAULT_APP, buildPreviewSummary, parsePreviewStack } from "../../../cli/pulumi/preview-summary";
import type { LastUpdate, StackListEntry } from "../../../cli/pulumi/stacks";

const NOW = Date.parse("2026-11-27T12:00:00Z");

const entry = (overrides: Partial<StackListEntry> = {}): StackListEntry => ({
  name: "pr-7",
  lastUpdate: "2026-11-27T10:00:00.000Z",
  resourceCount: 11,
  updateInProgress: false,
  ...overrides,
});

const last = (result: string | null): LastUpdate => ({
  kind: "update",
  result,
  startTime: null,
  endTime: "2026-11-27T10:00:00.000Z",
  config: {},
});

describe("buildPreviewSummary", () => {
  it("reads app, branch, URL, commit and creation time from the outputs", () => {
    const summary = buildPreviewSummary({
      entry: entry(),
      outputs: {
        app: "demo",
        branch: "feature/x",
        url: "https://pr-7.p.example.com",
        createdAt: "2026-11-24T12:00:00Z",
        commit: "abc",
        basicAuthPassword: "[secret]",
      },
      tags: { "forge-previews:branch": "older" },
      last: last("succeeded"),
      defaultApp: null,
      now: NOW,
    });

    expect(summary).toEqual({
      stack: "pr-7",
      app: "demo",
      pr: 7,
      branch: "feature/x",
      url: "https://pr-7.p.example.com",
      createdAt: "2026-11-24T12:00:00Z",
      lastUpdate: "2026-11-27T10:00:00.000Z",
      ageDays: 3,
      resourceCount: 11,
      status: "ok",
      commit: "abc",
    });
  });

  it("falls back to the tags for a stack whose first update failed, and reports it failed", () => {
    const summary = buildPreviewSummary({
      entry: entry({ name: "blog-pr-3" }),
      outputs: {},
      tags: {
        "forge-previews:app": "blog",
        "forge-previews:branch": "wip",
        "forge-previews:created-at": "2026-11-27T06:00:00Z",
      },
      last: last("failed"),
      defaultApp: null,
      now: NOW,
    });

    expect(summary).toMatchObject({
      stack: "blog-pr-3",
      app: "blog",
      pr: 3,
      branch: "wip",
      url: null,
      status: "failed",
      ageDays: 0.2,
    });
  });

  it.each([
    [{ updateInProgress: true }, last("succeeded"), "in-progress"],
    [{}, last("in-progress"), "in-progress"],
    [{}, null, "unknown"],
  ])("maps list entry %p with last update %p to %s", (overrides, lastUpdate, status) => {
    const summary = buildPreviewSummary({
      entry: entry(overrides),
      outputs: {},
      tags: {},
      last: lastUpdate,
      defaultApp: "shop",
      now: NOW,
    });
    expect(summary?.status).toBe(status);
    expect(summary?.app).toBe("shop");
  });

  it("says the app is unknown when nothing records it", () => {
    expect(
      buildPreviewSummary({ entry: entry(), outputs: {}, tags: {}, last: null, defaultApp: null, now: NOW })?.app,
    ).toBe(UNKNOWN_DEFAULT_APP);
  });

  it("skips stacks that are not previews", () => {
    expect(
      buildPreviewSummary({
        entry: entry({ name: "snapshots" }),
        outputs: {},
        tags: {},
        last: null,
        defaultApp: null,
        now: NOW,
      }),
    ).toBeNull();
  });
});

describe("parsePreviewStack", () => {
  it.each([
    ["pr-12", { app: null, pr: 12 }],
    ["shop-pr-12", { app: "shop", pr: 12 }],
    ["snapshots", null],
    ["pr-0", null],
    ["staging", null],
  ])("reads %s", (name, parsed) => {
    expect(parsePreviewStack(name)).toEqual(parsed);
  });
});
