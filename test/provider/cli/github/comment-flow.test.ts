/**
 * The comment commands end to end: a recorded `issue_comment` payload, the real Octokit client against the stub
 * GitHub, and fake operations in place of Pulumi.
 */
import { decodeState } from "../../../../cli/github/sticky-state";
import { PreviewOperationError } from "../../../../cli/pulumi/operation-error";
import { summary } from "../../../support/github/fake-operations";
import {
  HEAD_SHA,
  type Harness,
  SECRETS,
  openPull,
  readFixture,
  recordDeployment as recordStubDeployment,
  sharedConfig,
  startHarness,
} from "../../../support/github/harness";

const REPO = "acme/customer";
const COMMENT_ID = 2700000101;

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  const repo = h.stub.repo(REPO);
  repo.permissions.set("alice", { permission: "write", role_name: "write" });
  repo.permissions.set("rita", { permission: "read", role_name: "triage" });
  repo.pulls.set(12, openPull(12));
  h.ops.upOutcome = {
    stack: "pr-12",
    outputs: {
      url: "https://pr-12.preview.acme.test",
      commit: HEAD_SHA,
      snapshot: "customer_master taken 2025-03-02T02:00:00Z",
      basicAuthUser: "preview",
      basicAuthPassword: { value: "hunter2-basic-auth-pw", secret: true },
      databasePassword: "db-pw-91be0c1f",
    },
    timings: [
      { phase: "clone database", ms: 12_300 },
      { phase: "deploy", ms: 45_100 },
    ],
    changes: { create: 9 },
  };
});

afterEach(async () => {
  await h.close();
});

async function commentEvent(body: string, login = "alice", type = "User"): Promise<Record<string, unknown>> {
  const payload = await readFixture("issue_comment.created.json");
  const comment = payload.comment as Record<string, unknown>;
  comment.body = body;
  comment.user = { ...(comment.user as object), login, type };
  return payload;
}

function reactions(): string[] {
  return h.stub
    .repo(REPO)
    .reactions.filter((r) => r.commentId === COMMENT_ID)
    .map((r) => r.content);
}

function comments() {
  return h.stub.repo(REPO).comments.get(12) ?? [];
}

function stickyState() {
  const sticky = comments().filter((c) => c.body.startsWith("<!-- forge-previews:pr-12 -->"));
  expect(sticky).toHaveLength(1);
  return decodeState(sticky[0].body, 12);
}

function requestLines(): string[] {
  return h.stub.requests.map((r) => `${r.method} ${r.path}`);
}

describe("a /preview comment from a writer on a same-repository PR", () => {
  it("reacts, deploys, reports on one sticky comment and a deployment, and writes the job summary", async () => {
    const code = await h.runGithub("issue_comment", await readFixture("issue_comment.created.json"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([
      { op: "listPreviews" },
      { op: "checkHeadroom", ref: { app: null, pr: 12 } },
      {
        op: "upPreview",
        req: { app: null, pr: 12, branch: "feature/vat-lines", sha: HEAD_SHA, redeploy: false, resetDatabase: false },
      },
    ]);
    expect(reactions()).toEqual(["eyes", "rocket"]);
    // The acknowledgement comes before any other call.
    expect(requestLines()[0]).toBe(`POST /repos/${REPO}/issues/comments/${COMMENT_ID}/reactions`);
    expect(requestLines().filter((l) => l === `POST /repos/${REPO}/issues/12/comments`)).toHaveLength(1);

    const state = stickyState();
    expect(state).toMatchObject({
      status: "ready",
      url: "https://pr-12.preview.acme.test",
      app: "customer",
      stack: "pr-12",
      commit: HEAD_SHA,
      branch: "feature/vat-lines",
      snapshot: "customer_master taken 2025-03-02T02:00:00Z",
      basicAuthUser: "preview",
      runUrl: "https://github.com/acme/customer/actions/runs/9001",
      timings: [
        { phase: "clone database", ms: 12_300 },
        { phase: "deploy", ms: 45_100 },
      ],
    });
    const body = comments()[0].body;
    expect(body).toContain("### ✅ Preview ready: https://pr-12.preview.acme.test");
    expect(body).toContain("clone database 12.3 s · deploy 45.1 s · total 57.4 s");

    const deployments = h.stub.repo(REPO).deployments;
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      environment: "preview/pr-12",
      ref: HEAD_SHA,
      transient_environment: true,
      production_environment: false,
    });
    const statuses = h.stub.repo(REPO).statuses.get(deployments[0].id) ?? [];
    expect(statuses.map((s) => [s.state, s.environment_url, s.log_url])).toEqual([
      ["in_progress", "", "https://github.com/acme/customer/actions/runs/9001"],
      ["success", "https://pr-12.preview.acme.test", "https://github.com/acme/customer/actions/runs/9001"],
    ]);
    const summaryText = await h.summaryText();
    expect(summaryText).toContain("Preview ready: https://pr-12.preview.acme.test");
    expect(summaryText).not.toContain("forge-previews:state");
  });

  it("creates the sticky comment once and edits it on the next command, finding it past the first 100 comments", async () => {
    const repo = h.stub.repo(REPO);
    const filler = Array.from({ length: 130 }, (_, i) => ({
      id: 100 + i,
      body: `comment ${i}`,
      user: { login: "bob", type: "User" as const },
      created_at: "2025-03-01T00:00:00Z",
    }));
    repo.comments.set(12, filler);

    await h.runGithub("issue_comment", await commentEvent("/preview"));
    const created = comments().filter((c) => c.body.startsWith("<!-- forge-previews:pr-12 -->"));
    expect(created).toHaveLength(1);
    expect(comments().indexOf(created[0])).toBe(130);

    h.stub.requests.length = 0;
    h.ops.calls.length = 0;
    const code = await h.runGithub("issue_comment", await commentEvent("/update reset-db"));

    expect(code).toBe(0);
    expect(h.ops.calls).toContainEqual({
      op: "upPreview",
      req: { app: null, pr: 12, branch: "feature/vat-lines", sha: HEAD_SHA, redeploy: true, resetDatabase: true },
    });
    const listed = h.stub.requests.filter((r) => r.method === "GET" && r.path === `/repos/${REPO}/issues/12/comments`);
    expect(listed.map((r) => [r.query.per_page, r.query.page ?? "1"])).toEqual([
      ["100", "1"],
      ["100", "2"],
    ]);
    expect(
      h.stub.requests.filter((r) => r.method === "POST" && r.path === `/repos/${REPO}/issues/12/comments`),
    ).toHaveLength(0);
    expect(
      h.stub.requests.filter(
        (r) => r.method === "PATCH" && r.path === `/repos/${REPO}/issues/comments/${created[0].id}`,
      ),
    ).toHaveLength(2);
    expect(comments()).toHaveLength(131);
  });

  it("does not trust a marker pasted into a person's own comment", async () => {
    h.stub.repo(REPO).comments.set(12, [
      {
        id: 77,
        body: "<!-- forge-previews:pr-12 -->\nfake",
        user: { login: "bob", type: "User" },
        created_at: "2025-03-01T00:00:00Z",
      },
    ]);
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(comments().find((c) => c.id === 77)?.body).toBe("<!-- forge-previews:pr-12 -->\nfake");
    expect(comments().filter((c) => c.user.type === "Bot")).toHaveLength(1);
  });
});

describe("refusals", () => {
  it("refuses a commenter without write access, checked through the permission API", async () => {
    const code = await h.runGithub("issue_comment", await commentEvent("/preview", "rita"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(reactions()).toEqual(["eyes", "-1"]);
    expect(requestLines()).toContain(`GET /repos/${REPO}/collaborators/rita/permission`);
    expect(h.stub.repo(REPO).deployments).toHaveLength(0);
    expect(stickyState().notice).toMatchObject({
      kind: "refused",
      text: "@rita cannot run `/preview`: it needs write access to acme/customer (they have `triage`).",
    });
  });

  it("refuses a user the permission API does not know", async () => {
    await h.runGithub("issue_comment", await commentEvent("/destroy", "stranger"));
    expect(h.ops.calls).toEqual([]);
    expect(stickyState().notice?.text).toContain("(they have `none`)");
  });

  it("refuses a PR from a fork and says why", async () => {
    h.stub.repo(REPO).pulls.set(12, openPull(12, { headRepo: "mallory/customer" }));
    const code = await h.runGithub("issue_comment", await commentEvent("/preview"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(reactions()).toEqual(["eyes", "-1"]);
    expect(stickyState().notice?.text).toBe(
      "This pull request comes from the fork `mallory/customer`, so it gets no preview: its code would run on the preview " +
        "server next to data derived from production. A maintainer can push the branch to acme/customer and open the PR from there.",
    );
  });

  it("refuses a PR whose fork was deleted", async () => {
    h.stub.repo(REPO).pulls.set(12, openPull(12, { headRepo: null }));
    await h.runGithub("issue_comment", await commentEvent("/update"));
    expect(h.ops.calls).toEqual([]);
    expect(stickyState().notice?.text).toContain("a fork that no longer exists");
  });

  it("refuses a new preview at capacity and lists the live ones", async () => {
    h.ops.previews = [
      summary({ stack: "pr-3", pr: 3 }),
      summary({ stack: "pr-7", pr: 7, lastUpdate: "2025-03-02T08:00:00.000Z" }),
      summary({ stack: "shop-pr-9", pr: 9, app: "shop" }),
    ];
    const code = await h.runGithub("issue_comment", await commentEvent("/preview"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }]);
    expect(reactions()).toEqual(["eyes", "-1"]);
    const text = stickyState().notice?.text ?? "";
    expect(text).toContain("All 3 preview environments are in use (`maxEnvironments`)");
    expect(text).toContain("- `pr-3` (app `customer` PR 3, last updated 2025-03-01T00:00:00.000Z)");
    expect(text).toContain("- `pr-7` (app `customer` PR 7, last updated 2025-03-02T08:00:00.000Z)");
    expect(text).toContain("- `shop-pr-9` (app `shop` PR 9");
  });

  it("lets a PR whose preview exists update it at capacity", async () => {
    h.ops.previews = [
      summary({ stack: "pr-3", pr: 3 }),
      summary({ stack: "pr-12", pr: 12 }),
      summary({ stack: "pr-7", pr: 7 }),
    ];
    await h.runGithub("issue_comment", await commentEvent("/update"));
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "upPreview"]);
  });

  it("refuses an unknown option without running anything", async () => {
    await h.runGithub("issue_comment", await commentEvent("/preview please"));
    expect(h.ops.calls).toEqual([]);
    expect(requestLines()).not.toContain(`GET /repos/${REPO}/collaborators/alice/permission`);
    expect(stickyState().notice?.text).toBe(
      "`/preview please` was not run: `/preview` does not know the option `please`; it accepts only `reset-db`.",
    );
  });

  it("refuses a closed PR but still lets /destroy run", async () => {
    h.stub.repo(REPO).pulls.set(12, openPull(12, { state: "closed", merged: true }));
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(h.ops.calls).toEqual([]);
    expect(stickyState().notice?.text).toContain("PR #12 is merged");

    await h.runGithub("issue_comment", await commentEvent("/destroy"));
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: null, pr: 12 } }]);
  });
});

describe("comments that are not commands", () => {
  it.each([["please don't /preview yet"], ["> /preview\nquoted from above"], ["```\n/preview\n```"]])(
    "sends nothing at all for %j, and needs no config for it",
    async (body) => {
      delete h.env.FORGE_PREVIEWS_CONFIG;
      const code = await h.runGithub("issue_comment", await commentEvent(body));
      expect(code).toBe(0);
      expect(h.stub.requests).toEqual([]);
      expect(h.ops.calls).toEqual([]);
    },
  );

  it("ignores commands written by a bot", async () => {
    await h.runGithub("issue_comment", await commentEvent("/destroy", "some-app[bot]", "Bot"));
    expect(h.stub.requests).toEqual([]);
    expect(h.ops.calls).toEqual([]);
  });

  it("ignores comments on plain issues", async () => {
    const payload = await commentEvent("/preview");
    delete (payload.issue as Record<string, unknown>).pull_request;
    await h.runGithub("issue_comment", payload);
    expect(h.stub.requests).toEqual([]);
    expect(h.out.join("\n")).toContain("the comment is on an issue, not a pull request");
  });

  it("ignores edited comments", async () => {
    const payload = await commentEvent("/destroy");
    payload.action = "edited";
    await h.runGithub("issue_comment", payload);
    expect(h.stub.requests).toEqual([]);
  });
});

describe("the circuit breaker", () => {
  function recordDeployment(id: number, environment: string, state: string, at: string): void {
    recordStubDeployment(h.stub, REPO, { id, environment, state, at });
  }

  it("refuses /preview after three consecutive failures, saying until when", async () => {
    recordDeployment(1, "preview/pr-3", "success", "2025-03-04T09:00:00Z");
    recordDeployment(2, "preview/pr-4", "failure", "2025-03-04T09:40:00Z");
    recordDeployment(3, "preview/pr-5", "failure", "2025-03-04T09:45:00Z");
    recordDeployment(4, "production", "success", "2025-03-04T09:47:00Z");
    recordDeployment(5, "preview/pr-4", "failure", "2025-03-04T09:50:00Z");

    const code = await h.runGithub("issue_comment", await commentEvent("/preview"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    expect(reactions()).toEqual(["eyes", "-1"]);
    const text = stickyState().notice?.text ?? "";
    expect(text).toContain("Preview deployments are paused until 10:20 UTC after 3 consecutive failed deployments");
    expect(text).toContain("`preview/pr-4` at 09:50 UTC");
    expect(comments()[0].body).toContain("### ⏸️ Paused until 10:20 UTC");
    expect(h.stub.repo(REPO).deployments).toHaveLength(5);
  });

  it("closes again 30 minutes after the last failure", async () => {
    recordDeployment(2, "preview/pr-4", "failure", "2025-03-04T09:20:00Z");
    recordDeployment(3, "preview/pr-5", "failure", "2025-03-04T09:25:00Z");
    recordDeployment(5, "preview/pr-4", "failure", "2025-03-04T09:31:59Z");
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "checkHeadroom", "upPreview"]);
  });

  it("stays closed when a success came between failures", async () => {
    recordDeployment(2, "preview/pr-4", "failure", "2025-03-04T09:40:00Z");
    recordDeployment(3, "preview/pr-5", "success", "2025-03-04T09:45:00Z");
    recordDeployment(5, "preview/pr-4", "failure", "2025-03-04T09:50:00Z");
    recordDeployment(6, "preview/pr-6", "failure", "2025-03-04T09:55:00Z");
    await h.runGithub("issue_comment", await commentEvent("/update"));
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "checkHeadroom", "upPreview"]);
  });

  it("counts a deployment left in progress past two hours as a failure (a cancelled run)", async () => {
    for (const [id, at] of [
      [2, "2025-03-04T07:40:00Z"],
      [3, "2025-03-04T07:45:00Z"],
      [5, "2025-03-04T07:50:00Z"],
    ] as const) {
      recordStubDeployment(h.stub, REPO, { id, environment: `preview/pr-${id}`, state: "in_progress", at });
    }
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(h.ops.calls).toEqual([]);
    expect(stickyState().notice?.text).toContain("paused until 10:20 UTC");
  });

  it("does not count a deployment still in progress from another PR", async () => {
    recordDeployment(2, "preview/pr-4", "failure", "2025-03-04T09:40:00Z");
    recordDeployment(3, "preview/pr-5", "failure", "2025-03-04T09:45:00Z");
    const repo = h.stub.repo(REPO);
    repo.deployments.push({
      id: 6,
      ref: HEAD_SHA,
      environment: "preview/pr-6",
      created_at: "2025-03-04T09:58:00Z",
      payload: {},
      transient_environment: true,
      production_environment: false,
    });
    repo.statuses.set(6, [
      {
        id: 60,
        state: "in_progress",
        description: "",
        environment_url: "",
        log_url: "",
        created_at: "2025-03-04T09:58:00Z",
      },
    ]);
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "checkHeadroom", "upPreview"]);
  });

  it("does not pause /destroy", async () => {
    recordDeployment(2, "preview/pr-4", "failure", "2025-03-04T09:40:00Z");
    recordDeployment(3, "preview/pr-5", "failure", "2025-03-04T09:45:00Z");
    recordDeployment(5, "preview/pr-4", "failure", "2025-03-04T09:50:00Z");
    await h.runGithub("issue_comment", await commentEvent("/destroy"));
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: null, pr: 12 } }]);
  });
});

describe("a failed deployment", () => {
  beforeEach(() => {
    h.ops.progress = [
      "+ forge:Site pr-12 created (4.1 s)",
      `~ forge:Deployment pr-12-deployment updating; token=${SECRETS.forgeToken}`,
    ];
    const error = new Error(
      `Deployment 88 failed: git fetch https://x-access-token:${SECRETS.githubToken}@github.com/acme/customer.git exited 128; FORGE_TOKEN was ${SECRETS.forgeToken}`,
    );
    Object.assign(error, { step: "forge:Deployment pr-12-deployment" });
    h.ops.upOutcome = error;
  });

  it("reports the failing step, a redacted excerpt and the run link, fails the deployment and the run", async () => {
    const code = await h.runGithub("issue_comment", await commentEvent("/preview"));

    expect(code).toBe(1);
    expect(reactions()).toEqual(["eyes", "-1"]);
    const state = stickyState();
    expect(state.status).toBe("failed");
    expect(state.failure?.step).toBe("forge:Deployment pr-12-deployment");
    expect(state.failure?.excerpt).toContain("+ forge:Site pr-12 created (4.1 s)");
    expect(state.failure?.excerpt).toContain(
      "Deployment 88 failed: git fetch https://[REDACTED]@github.com/acme/customer.git exited 128",
    );
    const body = comments()[0].body;
    expect(body).toContain(
      "**Failed step:** `forge:Deployment pr-12-deployment` ([full log](https://github.com/acme/customer/actions/runs/9001))",
    );
    const deployment = h.stub.repo(REPO).deployments[0];
    expect((h.stub.repo(REPO).statuses.get(deployment.id) ?? []).map((s) => s.state)).toEqual([
      "in_progress",
      "failure",
    ]);
  });

  it("keeps every secret out of comments, deployment statuses, the summary and the log", async () => {
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    const sent = await h.everythingSent();
    for (const secret of Object.values(SECRETS)) expect(sent).not.toContain(secret);
    // The hidden state is base64; decoded, it must be clean too.
    expect(JSON.stringify(stickyState())).not.toContain(SECRETS.forgeToken);
    expect(sent).toContain("[REDACTED]");
  });

  it("asks the runner to mask the secrets before anything else is printed", async () => {
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    const masks = h.out.filter((l) => l.startsWith("::add-mask::"));
    expect(masks).toEqual(
      expect.arrayContaining([
        `::add-mask::${SECRETS.forgeToken}`,
        `::add-mask::${SECRETS.githubToken}`,
        `::add-mask::${SECRETS.passphrase}`,
        `::add-mask::${SECRETS.sshKeyLine}`,
      ]),
    );
    expect(h.out.findIndex((l) => !l.startsWith("::add-mask::"))).toBeGreaterThanOrEqual(masks.length);
  });
});

describe("a failure reported by the operations layer", () => {
  it("names the failed resource steps and quotes the engine's errors", async () => {
    h.ops.upOutcome = new PreviewOperationError(
      "up",
      "pr-12",
      {
        changes: { create: 3 },
        result: "failed",
        steps: [],
        failedSteps: [{ op: "create", type: "forge:index:Deployment", name: "pr-12-deployment" }],
        errors: ["deployment 88 finished with status failed: composer install exited 2"],
      },
      [{ phase: "pulumi up", ms: 61_000 }],
      "",
      61_000,
    );
    expect(await h.runGithub("issue_comment", await commentEvent("/preview"))).toBe(1);
    const state = stickyState();
    expect(state.failure?.step).toBe("create forge:index:Deployment pr-12-deployment");
    expect(state.failure?.excerpt).toContain("deployment 88 finished with status failed: composer install exited 2");
  });
});

describe("secret stack outputs", () => {
  it("are masked and never posted", async () => {
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(h.out).toContain("::add-mask::hunter2-basic-auth-pw");
    expect(h.out).toContain("::add-mask::db-pw-91be0c1f");
    const sent = await h.everythingSent();
    expect(sent).not.toContain("hunter2-basic-auth-pw");
    expect(sent).not.toContain("db-pw-91be0c1f");
    expect(comments()[0].body).toContain("pulumi stack output basicAuthPassword --show-secrets -s pr-12");
  });

  it("point reviewers at where the shared password lives, and never post it", async () => {
    h.env.FORGE_PREVIEWS_CONFIG = sharedConfig({
      "forge-previews:basicAuthMode": "shared",
      "forge-previews:basicAuthPasswordHint": "1Password item “Preview basic auth” in the Engineering vault",
    });
    h.env.FORGE_PREVIEWS_BASIC_AUTH_PASSWORD = "hunter2-basic-auth-pw";
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    expect(comments()[0].body).toContain(
      "| Basic auth | user `preview`; the password is in 1Password item “Preview basic auth” in the Engineering vault |",
    );
    const sent = await h.everythingSent();
    expect(sent).not.toContain("hunter2-basic-auth-pw");
  });
});

describe("/destroy", () => {
  it("destroys, marks the deployment inactive and reports on the sticky comment", async () => {
    await h.runGithub("issue_comment", await commentEvent("/preview"));
    h.ops.calls.length = 0;
    const code = await h.runGithub("issue_comment", await commentEvent("/destroy"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "destroyPreview", ref: { app: null, pr: 12 } }]);
    const deployment = h.stub.repo(REPO).deployments[0];
    expect((h.stub.repo(REPO).statuses.get(deployment.id) ?? []).map((s) => s.state)).toEqual([
      "in_progress",
      "success",
      "inactive",
    ]);
    expect(stickyState()).toMatchObject({
      status: "destroyed",
      notice: { kind: "info", text: "Removed: `/destroy` by @alice." },
    });
    expect(reactions()).toEqual(["eyes", "rocket", "eyes", "rocket"]);
  });
});

describe("a comment the gate job let through", () => {
  it("replaces the queued note and runs nothing when the command stands inside a quote", async () => {
    h.stub.repo(REPO).comments.set(12, [
      {
        id: 77,
        body: "<!-- forge-previews:pr-12 -->\n<!-- forge-previews:gate -->\n### ⏳ `/preview` by @alice queued at 10:01 UTC\n<!-- /forge-previews:gate -->\n",
        user: { login: "github-actions[bot]", type: "Bot" },
        created_at: "2025-03-04T10:01:00Z",
      },
    ]);
    h.env.FORGE_PREVIEWS_GATE = "approved";
    const code = await h.runGithub("issue_comment", await commentEvent("> an earlier remark\r\n/preview\r\n"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([]);
    const body = comments()[0].body;
    expect(body).not.toContain("queued");
    expect(body).toContain("### 🚫 Command not run");
    expect(body).toContain("not inside a quote (including a line that continues one)");
    expect(reactions()).toEqual(["-1"]);
  });

  it("stays silent about conversation when the gate did not note it", async () => {
    const code = await h.runGithub("issue_comment", await commentEvent("> an earlier remark\r\n/preview\r\n"));
    expect(code).toBe(0);
    expect(h.stub.requests).toEqual([]);
  });
});
