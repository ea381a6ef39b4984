/**
 * Admission by headroom on the GitHub path: `/preview` of a new PR is measured against the real local "server" (this
 * machine through the test sshd and MariaDB) with a memory floor below its use, and refused on the PR before anything
 * is created; `/update` of an existing preview is not measured at all.
 */
import { decodeState } from "../../../../cli/github/sticky-state";
import { measureHeadroom } from "../../../../cli/status/admission";
import { summary } from "../../../support/github/fake-operations";
import { type Harness, openPull, readFixture, startHarness } from "../../../support/github/harness";
import { expectNoServerSecrets, testServices } from "../../../support/services";
import { localServerConfig } from "../../../support/status-server";

const REPO = "acme/customer";
const services = testServices();
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.stub.repo(REPO).permissions.set("alice", { permission: "write", role_name: "write" });
  h.stub.repo(REPO).pulls.set(12, openPull(12));
  // Memory in use on any machine running these tests is above 1%.
  const { entries, config } = localServerConfig(services, "admission_master", {
    "forge-previews:maxMemoryPercent": "1",
  });
  h.ops.headroom = async (ref) => measureHeadroom(config, entries, ref.app ?? "customer");
});

afterEach(async () => {
  await h.close();
});

async function comment(body: string): Promise<Record<string, unknown>> {
  const payload = await readFixture("issue_comment.created.json");
  (payload.comment as Record<string, unknown>).body = body;
  return payload;
}

function stickyState() {
  const sticky = (h.stub.repo(REPO).comments.get(12) ?? []).filter((c) =>
    c.body.startsWith("<!-- forge-previews:pr-12 -->"),
  );
  expect(sticky).toHaveLength(1);
  return decodeState(sticky[0]?.body ?? "", 12);
}

describe("admission by headroom on /preview", () => {
  it("refuses a new PR's preview above the memory floor, saying which floor, the figures and what to do", async () => {
    const code = await h.runGithub("issue_comment", await comment("/preview"));

    expect(code).toBe(0);
    expect(h.ops.calls).toEqual([{ op: "listPreviews" }, { op: "checkHeadroom", ref: { app: null, pr: 12 } }]);
    const notice = stickyState().notice;
    expect(notice?.headline).toBe("🚫 Server over its memory floor");
    expect(notice?.text).toContain("so pr-12 was not created; nothing was changed");
    expect(notice?.text).toMatch(/Memory in use is \d+\.\d% \(\S+ \w+ of \S+ \w+\), above `maxMemoryPercent` 1\./);
    expect(notice?.text).toContain("then comment `/preview` again.");
    const reactions = h.stub.repo(REPO).reactions.map((r) => r.content);
    expect(reactions).toEqual(["eyes", "-1"]);
    // No GitHub deployment either: nothing was started.
    expect(h.stub.requests.filter((r) => r.method === "POST" && r.path.includes("/deployments"))).toEqual([]);
  });

  it("refuses, saying why and how to go on, when the server cannot be measured", async () => {
    const { entries, config } = localServerConfig(services, "admission_master", {
      "forge-previews:sshHostKeyFingerprint": `SHA256:${"B".repeat(43)}`,
    });
    h.ops.headroom = async (ref) => measureHeadroom(config, entries, ref.app ?? "customer");
    const code = await h.runGithub("issue_comment", await comment("/preview"));

    expect(code).toBe(0);
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "checkHeadroom"]);
    const notice = stickyState().notice;
    expect(notice?.headline).toBe("🚫 Server not measured");
    expect(notice?.text).toContain("The preview server's headroom could not be measured (");
    expect(notice?.text).toContain("so no new preview was created");
    expectNoServerSecrets(await h.everythingSent(), services);
  });

  it("still runs /update of an existing preview, without measuring the server", async () => {
    h.ops.previews = [summary({ stack: "pr-12", pr: 12 })];
    const code = await h.runGithub("issue_comment", await comment("/update"));

    expect(code).toBe(0);
    expect(h.ops.calls.map((c) => c.op)).toEqual(["listPreviews", "upPreview"]);
    expect(stickyState().status).toBe("ready");
  });
});
