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

describe("the status comment in each state", () => {
  const AT = "2025-03-04T10:02:00.000Z";
  const base = {
    ...emptyState(12),
    stack: "pr-12",
    app: "customer",
    url: "https://pr-12.preview.acme.test",
    branch: "feature/vat-lines",
    commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    repoUrl: "https://github.com/acme/customer",
    runUrl: "https://github.com/acme/customer/actions/runs/9001",
    updatedAt: AT,
  };
  const ready = {
    ...base,
    status: "ready" as const,
    snapshot: "customer_master taken 2025-03-02T02:00:00Z",
    basicAuthUser: "preview",
    basicAuthHint: "1Password item “Preview basic auth”",
    timings: [
      { phase: "clone database", ms: 12_300 },
      { phase: "deploy", ms: 45_100 },
    ],
  };
  const refused = (headline: string, text: string) => ({
    ...ready,
    notice: { kind: "refused" as const, text, at: AT, headline },
  });

  it.each([
    ["deploying", { ...base, status: "deploying" as const }],
    ["ready", ready],
    [
      "updated after a push",
      { ...ready, notice: { kind: "info" as const, text: "♻️ updated to `4b825dc` after a push.", at: AT } },
    ],
    [
      "failed",
      {
        ...base,
        status: "failed" as const,
        failure: { step: "create forge:index:Deployment pr-12-deployment", excerpt: "composer install exited 2" },
        timings: [{ phase: "up (failed)", ms: 61_000 }],
      },
    ],
    ["paused", refused("⏸️ Paused until 10:20 UTC", "Preview deployments are paused until 10:20 UTC.")],
    ["no free slot", refused("🚫 No free slot (3/3)", "All 3 preview environments are in use.")],
    ["removing", { ...base, status: "destroying" as const }],
    [
      "removed",
      {
        ...base,
        status: "destroyed" as const,
        notice: { kind: "info" as const, text: "Removed: PR #12 was merged.", at: AT },
      },
    ],
    [
      "removal failed",
      {
        ...base,
        status: "destroy-failed" as const,
        failure: { step: "delete forge:index:Site pr-12", excerpt: "HTTP 500" },
      },
    ],
  ])("renders %s", (_state, state) => {
    const text = renderStatus(state);
    expect(text).toMatchSnapshot();
    // Times as HH:MM UTC, the commit short and linked, the branch linked.
    expect(text).not.toContain("2025-03-04T10:02");
    expect(text).toContain(
      "[`4b825dc`](https://github.com/acme/customer/commit/4b825dc642cb6eb9a060e54bf8d69288fbee4904)",
    );
    expect(text).toContain("[`feature/vat-lines`](https://github.com/acme/customer/tree/feature/vat-lines)");
  });

  it("gives every failure a next step", () => {
    for (const status of ["failed", "destroy-failed"] as const)
      expect(renderStatus({ ...base, status })).toMatch(/^\*\*Next step:\*\* .*`\/(update|destroy)`/m);
  });
});
