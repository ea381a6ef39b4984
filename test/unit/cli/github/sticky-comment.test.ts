import { renderStatus } from "../../../../cli/github/sticky-render";
import { decodeState, emptyState, encodeState } from "../../../../cli/github/sticky-state";

describe("sticky comment state", () => {
  it("reads back what it wrote", () => {
    const state = {
      ...emptyState(12),
      stack: "pr-12",
      app: "customer",
      status: "failed" as const,
      url: "https://pr-12.preview.acme.test",
      failure: { step: "deploy", excerpt: "line 1\nline 2" },
      timings: [{ phase: "deploy", ms: 1200 }],
      notice: { kind: "refused" as const, text: "no", at: "2025-03-04T10:00:00.000Z" },
      expiryWarning: { lastUpdate: "a", warnedAt: "b", destroyAfter: "c" },
    };
    expect(decodeState(`text\n${encodeState(state)}\n`, 12)).toEqual(state);
  });

  it.each([
    ["no state at all", "just text"],
    ["state that is not base64 JSON", "<!-- forge-previews:state !!!! -->"],
    [
      "state of another version",
      `<!-- forge-previews:state ${Buffer.from(JSON.stringify({ version: 2, status: "ready" })).toString("base64")} -->`,
    ],
  ])("starts empty from %s", (_what, body) => {
    expect(decodeState(body, 7)).toEqual(emptyState(7));
  });

  it("drops malformed fields instead of trusting them", () => {
    const raw = {
      version: 1,
      status: "exploded",
      url: 42,
      timings: [
        { phase: "x", ms: "slow" },
        { phase: "y", ms: 5 },
      ],
      expiryWarning: { lastUpdate: 1 },
    };
    const state = decodeState(
      `<!-- forge-previews:state ${Buffer.from(JSON.stringify(raw)).toString("base64")} -->`,
      3,
    );
    expect(state).toEqual({ ...emptyState(3), timings: [{ phase: "y", ms: 5 }] });
  });
});

describe("renderStatus", () => {
  it("fences a log excerpt so backticks inside cannot end it", () => {
    const text = renderStatus({
      ...emptyState(1),
      status: "failed",
      failure: { step: "deploy", excerpt: "before\n```\nafter ````" },
    });
    expect(text).toContain("`````text\nbefore\n```\nafter ````\n`````");
  });

  it("keeps a branch name with pipes and backticks inside its table cell", () => {
    const text = renderStatus({ ...emptyState(1), status: "ready", branch: "a|b`c" });
    expect(text).toContain("| Branch | `a\\|b'c` |");
  });
});
