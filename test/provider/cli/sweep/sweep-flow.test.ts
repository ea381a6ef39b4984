/** `forge-previews sweep` against the stub GitHub and fake operations: the plan, then warnings and destroys. */
import { decodeState } from "../../../../cli/github/sticky-state";
import { summary } from "../../../support/github/fake-operations";
import { type Harness, openPull, sharedConfig, startHarness } from "../../../support/github/harness";

const REPO = "acme/customer";
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.env.GITHUB_REPOSITORY = "acme/forge-previews";
  h.env.FORGE_PREVIEWS_CONFIG = sharedConfig({ "forge-previews:maxEnvironments": 10 });
  h.now = new Date("2025-03-04T10:02:00.000Z");
  const repo = h.stub.repo(REPO);
  repo.pulls.set(3, openPull(3, { state: "closed", merged: false }));
  repo.pulls.set(5, openPull(5));
  repo.pulls.set(6, openPull(6, { labels: ["keep-preview"] }));
  repo.pulls.set(7, openPull(7));
  h.ops.previews = [
    summary({ stack: "pr-3", pr: 3, lastUpdate: "2025-03-03T00:00:00.000Z" }),
    summary({ stack: "pr-5", pr: 5, lastUpdate: "2025-02-01T00:00:00.000Z" }),
    summary({ stack: "pr-6", pr: 6, lastUpdate: "2024-12-01T00:00:00.000Z" }),
    summary({ stack: "pr-7", pr: 7, lastUpdate: "2025-03-02T00:00:00.000Z" }),
    summary({ stack: "pr-8", pr: 8 }),
    summary({ stack: "shop-pr-2", pr: 2, app: "shop" }),
  ];
});

afterEach(async () => {
  await h.close();
});

function writes() {
  return h.stub.requests.filter((r) => r.method !== "GET");
}

describe("sweep --dry-run", () => {
  it("prints the plan and changes nothing", async () => {
    const code = await h.runSweep(["--dry-run"]);

    expect(code).toBe(0);
    expect(writes()).toEqual([]);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }]);
    const lines = h.out.filter((l) => l.startsWith("would "));
    expect(lines.map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([
      "would destroy pr-3",
      "would warn pr-5",
      "would keep pr-6",
      "would keep pr-7",
      "would skip pr-8",
      "would skip shop-pr-2",
    ]);
    expect(h.out.at(-1)).toBe("sweep: 6 previews; would destroy 1, would warn 1, keep 2, skip 2");
    expect(await h.summaryText()).toContain("| `pr-5` | warn | not updated for 31 days (TTL 30) | dry run |");
  });
});

describe("sweep", () => {
  it("destroys closed PRs' previews, warns once before a TTL removal, then removes it", async () => {
    expect(await h.runSweep([])).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }, { op: "destroyPreview", ref: { app: null, pr: 3 } }]);
    const comments5 = h.stub.repo(REPO).comments.get(5) ?? [];
    expect(comments5).toHaveLength(2);
    expect(comments5[0].body).toBe(
      "⏰ The preview `pr-5` has not been updated for a while (not updated for 31 days (TTL 30)) and will be removed after " +
        "2025-03-07T10:02:00.000Z. Comment `/update` to keep it for another 30 days, or add the label `keep-preview` to keep it until the PR closes.",
    );
    expect(decodeState(comments5[1].body, 5).expiryWarning).toEqual({
      lastUpdate: "2025-02-01T00:00:00.000Z",
      warnedAt: "2025-03-04T10:02:00.000Z",
      destroyAfter: "2025-03-07T10:02:00.000Z",
    });
    // No preview had a comment for PR 3, so removing it posts nothing there.
    expect(h.stub.repo(REPO).comments.get(3)).toBeUndefined();

    // The next day: the warning is recorded, so nothing new is posted.
    h.ops.calls.length = 0;
    h.stub.requests.length = 0;
    h.ops.previews = h.ops.previews.filter((p) => p.stack !== "pr-3");
    h.now = new Date("2025-03-05T10:02:00.000Z");
    expect(await h.runSweep([])).toBe(0);
    expect(writes()).toEqual([]);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }]);

    // After the announced time the preview goes, and the sticky comment says so.
    h.now = new Date("2025-03-07T10:03:00.000Z");
    expect(await h.runSweep([])).toBe(0);
    expect(h.ops.calls).toEqual([
      { op: "listPreviews" },
      { op: "listPreviews" },
      { op: "destroyPreview", ref: { app: null, pr: 5 } },
    ]);
    const state = decodeState((h.stub.repo(REPO).comments.get(5) ?? [])[1].body, 5);
    expect(state.status).toBe("destroyed");
    expect(state.notice?.text).toContain(
      "Removed: removed by sweep: not updated for 34 days (TTL 30); warned at 2025-03-04T10:02:00.000Z",
    );
  });

  it("carries on after one preview fails and then fails the run", async () => {
    h.ops.destroyOutcome = new Error("backend unreachable");
    const code = await h.runSweep([]);
    expect(code).toBe(1);
    expect(h.out.join("\n")).toContain("failed: pr-3 could not be destroyed");
    expect(h.stub.repo(REPO).comments.get(5)).toHaveLength(2);
  });

  it("refuses a warning period as long as the TTL", async () => {
    expect(await h.runSweep(["--ttl-days", "3", "--warn-days", "3"])).toBe(1);
    expect(h.out.at(-1)).toContain("`--warn-days` (3) must be less than `--ttl-days` (3)");
    expect(h.ops.calls).toEqual([]);
  });

  it("needs a GitHub token", async () => {
    delete h.env.GITHUB_TOKEN;
    expect(await h.runSweep(["--dry-run"])).toBe(1);
    expect(h.out.at(-1)).toContain("`GITHUB_TOKEN` is not set");
  });
});
