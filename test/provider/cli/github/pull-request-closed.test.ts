import { decodeState } from "../../../../cli/github/sticky-state";
import { HEAD_SHA, type Harness, readFixture, startHarness } from "../../../support/github/harness";

const REPO = "acme/customer";
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

function seedPreview(): number {
  const repo = h.stub.repo(REPO);
  repo.deployments.push({
    id: 41,
    ref: HEAD_SHA,
    environment: "preview/pr-12",
    created_at: "2025-03-03T10:00:00Z",
    payload: {},
    transient_environment: true,
    production_environment: false,
  });
  repo.statuses.set(41, [
    {
      id: 410,
      state: "success",
      description: "",
      environment_url: "https://pr-12.preview.acme.test",
      log_url: "",
      created_at: "2025-03-03T10:05:00Z",
    },
  ]);
  const state = Buffer.from(
    JSON.stringify({
      version: 1,
      pr: 12,
      stack: "pr-12",
      app: "customer",
      status: "ready",
      url: "https://pr-12.preview.acme.test",
    }),
  ).toString("base64");
  repo.comments.set(12, [
    {
      id: 900,
      body: `<!-- forge-previews:pr-12 -->\nready\n<!-- forge-previews:state ${state} -->`,
      user: { login: "github-actions[bot]", type: "Bot" },
      created_at: "2025-03-03T10:05:00Z",
    },
  ]);
  return 900;
}

describe("a closed pull request", () => {
  it("destroys the preview, marks its deployment inactive and updates the sticky comment", async () => {
    const commentId = seedPreview();
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: null, pr: 12 } }]);
    expect((h.stub.repo(REPO).statuses.get(41) ?? []).map((s) => s.state)).toEqual(["success", "inactive"]);
    const sticky = h.stub
      .repo(REPO)
      .comments.get(12)
      ?.find((c) => c.id === commentId);
    const state = decodeState(sticky?.body ?? "", 12);
    expect(state).toMatchObject({
      status: "destroyed",
      url: "https://pr-12.preview.acme.test",
      notice: { text: "Removed: PR #12 was merged." },
    });
    expect(h.stub.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/12/comments"))).toHaveLength(
      0,
    );
  });

  it("posts nothing on a PR that never had a preview", async () => {
    h.ops.destroyOutcome = { stack: "pr-12", existed: false };
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: null, pr: 12 } }]);
    expect(h.stub.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("leaves fork PRs alone, even in a run without secrets: they never get a preview", async () => {
    delete h.env.FORGE_TOKEN;
    delete h.env.FORGE_PREVIEWS_CONFIG;
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.fork.json"));
    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(h.stub.requests).toEqual([]);
  });

  it("fails the run and says so on the PR when the destroy fails", async () => {
    seedPreview();
    h.ops.destroyOutcome = Object.assign(new Error("Forge answered 503 while deleting site 77"), {
      step: "forge:Site pr-12-site",
    });
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));

    expect(code).toBe(1);
    const state = decodeState(h.stub.repo(REPO).comments.get(12)?.[0].body ?? "", 12);
    expect(state).toMatchObject({ status: "destroy-failed", failure: { step: "forge:Site pr-12-site" } });
    expect(state.failure?.excerpt).toContain("Forge answered 503 while deleting site 77");
    expect(
      h.stub
        .repo(REPO)
        .statuses.get(41)
        ?.map((s) => s.state),
    ).toEqual(["success"]);
  });

  it("ignores other pull_request actions", async () => {
    const payload = await readFixture("pull_request.closed.json");
    payload.action = "opened";
    const code = await h.runGithub("pull_request", payload);
    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(h.out.join("\n")).toContain("pull request opened; only closed, synchronize and reopened concern a preview");
  });
});

/** Plain keys with apps `customer` (acme/customer) and `shop` (acme/shop). */
function twoAppConfig(defaultApp: string): string {
  return JSON.stringify({
    forgeOrg: "acme",
    forgeServerId: 4242,
    previewDomain: "preview.acme.test",
    sshHost: "203.0.113.10",
    sshHostKeyFingerprint: "SHA256:" + "A".repeat(43),
    defaultApp,
    apps: {
      customer: { repository: "acme/customer", masterDatabase: "customer_master" },
      shop: { repository: "acme/shop", masterDatabase: "shop_master" },
    },
  });
}

describe("the github command itself", () => {
  it("names a missing config and fails", async () => {
    delete h.env.FORGE_PREVIEWS_CONFIG;
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));
    expect(code).toBe(1);
    expect(h.out.at(-1)).toMatch(
      /^::error::github: The GitHub commands need the shared configuration in FORGE_PREVIEWS_CONFIG/,
    );
    expect(h.ops.calls).toEqual([]);
  });

  it("refuses an app input that belongs to another repository", async () => {
    h.env.FORGE_PREVIEWS_CONFIG = twoAppConfig("customer");
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"), ["--app", "shop"]);
    expect(code).toBe(1);
    expect(h.out.at(-1)).toContain("App `shop` belongs to acme/shop, not acme/customer");
    expect(h.ops.calls).toEqual([]);
  });

  it("passes a non-default app to the operations by name", async () => {
    h.env.FORGE_PREVIEWS_CONFIG = twoAppConfig("shop");
    await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: "customer", pr: 12 } }]);
  });

  it("retries a GitHub 502 and carries on", async () => {
    seedPreview();
    h.stub.inject({ method: "GET", pathPrefix: `/repos/${REPO}/issues/12/comments`, status: 502, times: 1 });
    const code = await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));
    expect(code).toBe(0);
    expect(
      h.stub.requests.filter((r) => r.method === "GET" && r.path === `/repos/${REPO}/issues/12/comments`),
    ).toHaveLength(2);
  });

  it("sends the token only in the Authorization header", async () => {
    seedPreview();
    await h.runGithub("pull_request", await readFixture("pull_request.closed.json"));
    expect(new Set(h.stub.requests.map((r) => r.authorization))).toEqual(new Set([`token ${h.env.GITHUB_TOKEN}`]));
    expect(h.out.filter((l) => !l.startsWith("::add-mask::")).join("\n")).not.toContain(h.env.GITHUB_TOKEN);
  });
});
