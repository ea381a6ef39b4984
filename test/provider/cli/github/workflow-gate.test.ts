/**
 * The preview workflow as GitHub runs it for recorded webhook payloads: each job's `if:` evaluated on the event, the
 * gate job's script run for real by bash against the stub GitHub, and the privileged job started only when the gate
 * approves. The privileged job's own steps are not run here (comment-flow.test.ts drives the CLI it starts).
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { decodeState, encodeState, emptyState } from "../../../../cli/github/sticky-state";
import { interpolate } from "../../../unit/workflows/expressions";
import { type StubGitHub, startStubGitHub } from "../../../support/github/stub-github";
import { readFixture } from "../../../support/github/harness";
import {
  CALLER_SHA,
  PINNED_SHA,
  eventContext,
  loadWorkflowFile,
  needsOf,
  playSteps,
  playWorkflow,
} from "../../../support/github/workflow-run";

const PREVIEW = path.resolve(__dirname, "..", "..", "..", "..", ".github", "workflows", "preview.yml");
const CALLER_EXAMPLE = path.resolve(PREVIEW, "..", "..", "preview-caller.example.yml");
const REPO = "acme/customer";
const COMMENT_ID = 2700000101;
const TOKEN = "ghs_gatetoken0123456789abcdefABCDEF";

let stub: StubGitHub;

beforeEach(async () => {
  stub = await startStubGitHub();
  const repo = stub.repo(REPO);
  repo.permissions.set("alice", { permission: "write", role_name: "write" });
  repo.permissions.set("mallory", { permission: "read", role_name: "read" });
});

afterEach(async () => {
  await stub.close();
});

async function comment(body: string, login = "alice", extra: Record<string, unknown> = {}) {
  const payload = await readFixture("issue_comment.created.json");
  const c = payload.comment as Record<string, unknown>;
  c.body = body;
  c.user = { ...(c.user as object), login };
  Object.assign(c, extra);
  return payload;
}

async function play(eventName: string, payload: Record<string, unknown>) {
  const workflow = await loadWorkflowFile(PREVIEW);
  return playWorkflow(workflow, eventContext(eventName, payload, TOKEN), { execute: ["gate"], apiUrl: stub.url });
}

function reactions(): string[] {
  return stub
    .repo(REPO)
    .reactions.filter((r) => r.commentId === COMMENT_ID)
    .map((r) => r.content);
}

function stickyBody(): string {
  const all = stub.repo(REPO).comments.get(12) ?? [];
  const sticky = all.filter((c) => c.body.startsWith("<!-- forge-previews:pr-12 -->"));
  expect(sticky).toHaveLength(1);
  return sticky[0].body;
}

describe("the preview workflow's jobs", () => {
  it("put a gate without secrets or set-up in front of the privileged job", async () => {
    const workflow = await loadWorkflowFile(PREVIEW);
    const gate = workflow.jobs.gate;
    expect(needsOf(workflow.jobs.preview)).toEqual(["gate"]);
    expect(JSON.stringify(gate)).not.toMatch(/secrets\./);
    // No checkout, no toolchain, no cache: the runner's own bash, curl and jq.
    expect((gate.steps ?? []).map((s) => s.uses ?? "run")).toEqual(["run"]);
    // Every secret the workflow has stays in the privileged job.
    expect(JSON.stringify(workflow.jobs.preview)).toMatch(/secrets\.FORGE_TOKEN/);
  });

  it("start nothing for prose that mentions a command in the middle of a sentence", async () => {
    const jobs = await play("issue_comment", await comment("please don't /preview yet, and no /destroy either"));
    expect(jobs.gate.result).toBe("skipped");
    expect(jobs.preview.result).toBe("skipped");
    expect(stub.requests).toEqual([]);
  });

  it("start nothing for a bot's comment, even one that starts with a command", async () => {
    const payload = await comment("/preview", "renovate[bot]");
    (payload.comment as { user: { type: string } }).user.type = "Bot";
    const jobs = await play("issue_comment", payload);
    expect(jobs.gate.result).toBe("skipped");
    expect(jobs.preview.result).toBe("skipped");
  });

  it("refuse an outsider's /preview in the gate, with a 👎 and the reason, and never start the privileged job", async () => {
    const jobs = await play("issue_comment", await comment("/preview", "mallory"));
    expect(jobs.gate.result).toBe("success");
    expect(jobs.gate.outputs).toEqual({ approved: "false" });
    expect(jobs.preview.result).toBe("skipped");
    expect(reactions()).toEqual(["-1"]);
    expect(stickyBody()).toContain("🚫 `/preview` by @mallory was not run");
    expect(stickyBody()).toContain("needs write access to acme/customer, and @mallory has `read`");
    expect(stub.requests[0].path).toBe(`/repos/${REPO}/collaborators/mallory/permission`);
  });

  it("refuse a user who is no collaborator at all (GitHub answers 404)", async () => {
    const jobs = await play("issue_comment", await comment("/destroy", "stranger"));
    expect(jobs.preview.result).toBe("skipped");
    expect(reactions()).toEqual(["-1"]);
    expect(stickyBody()).toContain("@stranger has `none`");
  });

  it("let a member whose org membership is private (CONTRIBUTOR in the event) through, with 👀 and a queued note", async () => {
    const payload = await comment("Looks good.\r\n/update reset-db\r\n", "alice", {
      author_association: "CONTRIBUTOR",
    });
    const jobs = await play("issue_comment", payload);
    expect(jobs.gate.outputs).toEqual({ approved: "true" });
    expect(jobs.preview.result).toBe("success");
    expect(jobs.preview.group).toBe("forge-previews-run-12");
    // The gate's calls are all there is before the privileged job starts: 👀 comes from the gate.
    expect(reactions()).toEqual(["eyes"]);
    expect(stub.requests.map((r) => r.authorization)).toEqual(stub.requests.map(() => `Bearer ${TOKEN}`));
    const body = stickyBody();
    expect(body).toMatch(/### ⏳ `\/update reset-db` by @alice queued at \d\d:\d\d UTC/);
    expect(body).toContain("It starts in [this run](https://github.com/acme/customer/actions/runs/9001).");
    // The privileged step learns that the gate noted the comment, and answers it whatever it finds there.
    const handle = (await loadWorkflowFile(PREVIEW)).jobs.preview.steps?.find((st) => st.name === "Handle the event");
    const context = {
      ...eventContext("issue_comment", payload, TOKEN),
      needs: { gate: { outputs: jobs.gate.outputs } },
    };
    expect(interpolate(handle?.env?.FORGE_PREVIEWS_GATE ?? "", context)).toBe("approved");
  });

  it("name the run in progress when the PR's preview is still deploying, and keep the last result below", async () => {
    const state = {
      ...emptyState(12),
      status: "deploying" as const,
      runUrl: "https://github.com/acme/customer/actions/runs/8999",
    };
    const previous = `<!-- forge-previews:pr-12 -->\n### earlier result\n${encodeState(state)}\n`;
    stub.repo(REPO).comments.set(12, [
      {
        id: 77,
        body: previous,
        user: { login: "github-actions[bot]", type: "Bot" },
        created_at: "2025-03-04T09:00:00Z",
      },
    ]);
    await play("issue_comment", await comment("/preview"));
    const body = stickyBody();
    expect(body).toContain(
      "It starts when [the run in progress](https://github.com/acme/customer/actions/runs/8999) finishes.",
    );
    expect(body).toContain("### earlier result");
    expect(decodeState(body, 12)).toMatchObject({ status: "deploying" });
    // A second command replaces the gate's note instead of stacking another one.
    await play("issue_comment", await comment("/destroy"));
    expect(stickyBody().match(/forge-previews:gate -->/g)).toHaveLength(2);
    expect(stickyBody()).toContain("`/destroy` by @alice queued");
    expect(stickyBody()).not.toContain("`/preview` by @alice");
  });

  it("ignore a command inside a code block without reacting", async () => {
    const jobs = await play("issue_comment", await comment("Try this:\r\n```\r\n/preview\r\n```\r\n"));
    expect(jobs.gate.outputs).toEqual({ approved: "false" });
    expect(jobs.preview.result).toBe("skipped");
    expect(reactions()).toEqual([]);
  });

  it("fail closed when GitHub cannot say what the commenter may do", async () => {
    stub.inject({ method: "GET", pathPrefix: `/repos/${REPO}/collaborators/`, status: 502, times: 10 });
    const jobs = await play("issue_comment", await comment("/preview"));
    expect(jobs.gate.result).toBe("failure");
    expect(jobs.preview.result).toBe("skipped");
  });
});

describe("the preview workflow's concurrency", () => {
  it("puts a close in a group of its own, so no comment or push can replace a pending close", async () => {
    const closed = await readFixture("pull_request.closed.json");
    const synchronize = { ...closed, action: "synchronize" };
    const commentJobs = await play("issue_comment", await comment("/preview"));
    const closeJobs = await play("pull_request", closed);
    const pushJobs = await play("pull_request", synchronize);
    expect(closeJobs.gate.result).toBe("skipped");
    expect(closeJobs.preview.result).toBe("success");
    expect(closeJobs.preview.group).toBe("forge-previews-close-12");
    expect(pushJobs.preview.group).toBe("forge-previews-run-12");
    expect(commentJobs.preview.group).toBe("forge-previews-run-12");
    expect(closeJobs.preview.group).not.toBe(commentJobs.preview.group);
  });

  it("starts nothing for a fork's pull_request events", async () => {
    const fork = await readFixture("pull_request.closed.fork.json");
    expect((await play("pull_request", fork)).preview.result).toBe("skipped");
    expect((await play("pull_request", { ...fork, action: "synchronize" })).preview.result).toBe("skipped");
  });
});

describe("the pinned-commit check", () => {
  const CALLER_FILE = ".github/workflows/preview.yml";

  async function check(callerText: string, ref = PINNED_SHA) {
    stub.repo(REPO).files.set(`${CALLER_SHA}:${CALLER_FILE}`, callerText);
    const workflow = await loadWorkflowFile(PREVIEW);
    const context = eventContext("pull_request", await readFixture("pull_request.closed.json"), TOKEN);
    context.inputs = { ...(context.inputs as object), "forge-previews-ref": ref };
    return playSteps(workflow, "preview", ["Check the pinned commit"], context, stub.url);
  }

  it("passes the caller example with both SHAs the same", async () => {
    const example = await readFile(CALLER_EXAMPLE, "utf8");
    expect((await check(example)).result).toBe("success");
  });

  it("stops the job before any set-up when the two SHAs differ", async () => {
    const example = await readFile(CALLER_EXAMPLE, "utf8");
    const other = "fedcba9876543210fedcba9876543210fedcba98";
    const drifted = example.replace(`preview.yml@${PINNED_SHA}`, `preview.yml@${other}`);
    const record = await check(drifted);
    expect(record.result).toBe("failure");
    expect(record.log.join("\n")).toContain(`pins forge-previews at '${other}' and checks out '${PINNED_SHA}'`);
  });

  it("stops the job when the checked-out ref is a branch name", async () => {
    const example = (await readFile(CALLER_EXAMPLE, "utf8")).replaceAll(PINNED_SHA, "main");
    expect((await check(example, "main")).result).toBe("failure");
  });
});
