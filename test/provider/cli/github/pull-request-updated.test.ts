/**
 * Pushes to a pull request (`synchronize`) and reopened PRs, from the recorded payload: a PR with a preview gets the
 * new head deployed and its comment and deployment moved to it; a PR without one gets nothing.
 */
import { decodeState, emptyState, encodeState } from "../../../../cli/github/sticky-state";
import { summary } from "../../../support/github/fake-operations";
import { HEAD_SHA, type Harness, readFixture, sharedConfig, startHarness } from "../../../support/github/harness";

const REPO = "acme/customer";
const NEW_SHA = "c0ffee1d2b3a49586f7e8d9c0b1a2f3e4d5c6b7a";
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.ops.upOutcome = {
    stack: "pr-12",
    outputs: { url: "https://pr-12.preview.acme.test", commit: NEW_SHA },
    timings: [{ phase: "deploy", ms: 21_000 }],
    changes: { update: 2 },
  };
});

afterEach(async () => {
  await h.close();
});

function seedPreview(): void {
  h.ops.previews = [summary({ stack: "pr-12", pr: 12, commit: HEAD_SHA })];
  const state = {
    ...emptyState(12),
    stack: "pr-12",
    app: "customer",
    status: "ready" as const,
    url: "https://pr-12.preview.acme.test",
    branch: "feature/vat-lines",
    commit: HEAD_SHA,
  };
  h.stub.repo(REPO).comments.set(12, [
    {
      id: 900,
      body: `<!-- forge-previews:pr-12 -->\nready\n${encodeState(state)}\n`,
      user: { login: "github-actions[bot]", type: "Bot" },
      created_at: "2025-03-03T10:05:00Z",
    },
  ]);
}

function sticky() {
  const comments = h.stub.repo(REPO).comments.get(12) ?? [];
  expect(comments).toHaveLength(1);
  return comments[0].body;
}

describe("a push to a pull request", () => {
  it("redeploys the new head of a PR with a preview, and moves its comment and deployment to that commit", async () => {
    seedPreview();
    const code = await h.runGithub("pull_request", await readFixture("pull_request.synchronize.json"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([
      { op: "listPreviews" },
      {
        op: "upPreview",
        req: { app: null, pr: 12, branch: "feature/vat-lines", sha: NEW_SHA, redeploy: true, resetDatabase: false },
      },
    ]);
    const body = sticky();
    expect(decodeState(body, 12)).toMatchObject({ status: "ready", commit: NEW_SHA });
    expect(body).toContain("♻️ updated to `c0ffee1` after a push.");
    const [deployment] = h.stub.repo(REPO).deployments;
    expect(deployment).toMatchObject({ ref: NEW_SHA, environment: "preview/pr-12" });
    expect((h.stub.repo(REPO).statuses.get(deployment.id) ?? []).map((s) => s.state)).toEqual([
      "in_progress",
      "success",
    ]);
  });

  it("does nothing for a PR without a preview: no deployment, no comment", async () => {
    const code = await h.runGithub("pull_request", await readFixture("pull_request.synchronize.json"));
    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }]);
    expect(h.stub.requests).toEqual([]);
    expect(h.out.join("\n")).toContain("PR #12 has no preview (pr-12); nothing to update");
  });

  it("leaves the preview alone when the app turns automatic updates off", async () => {
    seedPreview();
    h.env.FORGE_PREVIEWS_CONFIG = sharedConfig({
      "forge-previews:apps": {
        customer: { repository: "acme/customer", masterDatabase: "customer_master", autoUpdate: false },
      },
    });
    const code = await h.runGithub("pull_request", await readFixture("pull_request.synchronize.json"));
    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(h.stub.requests).toEqual([]);
  });

  it("redeploys a reopened PR whose preview is still there", async () => {
    seedPreview();
    const payload = { ...(await readFixture("pull_request.synchronize.json")), action: "reopened" };
    await h.runGithub("pull_request", payload);
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "upPreview"]);
    expect(sticky()).toContain("♻️ updated to `c0ffee1` after the PR was reopened.");
  });

  it("reports a failed redeploy on the comment and the deployment, and fails the run", async () => {
    seedPreview();
    h.ops.upOutcome = new Error("deploy script exited 1");
    const code = await h.runGithub("pull_request", await readFixture("pull_request.synchronize.json"));
    expect(code).toBe(1);
    expect(decodeState(sticky(), 12)).toMatchObject({ status: "failed", commit: NEW_SHA });
    const [deployment] = h.stub.repo(REPO).deployments;
    expect((h.stub.repo(REPO).statuses.get(deployment.id) ?? []).map((s) => s.state)).toEqual([
      "in_progress",
      "failure",
    ]);
  });
});
