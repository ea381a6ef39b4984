/**
 * Alerts for operators end to end: the GitHub handler and the sweep with `alerts.issueRepository` and
 * `FORGE_PREVIEWS_ALERT_WEBHOOK` set, against the stub GitHub (its `acme/ops` repository holds the alert issues) and
 * a fake webhook on 127.0.0.1.
 */
import { alertsFromEnv } from "../../../../cli/alerts/alerts";
import { IssueChannel, createAlertIssueApi } from "../../../../cli/alerts/issue-channel";
import { parseRepoRef } from "../../../../cli/github/event";
import { createGitHubClient, createRepoApi } from "../../../../cli/github/github-api";
import { serverOverFloorAlert, serverWithinFloorsResolution } from "../../../../cli/alerts/kinds";
import { Redactor } from "../../../../cli/github/redactor";
import { emptyState, encodeState } from "../../../../cli/github/sticky-state";
import { summary } from "../../../support/github/fake-operations";
import {
  type Harness,
  openPull,
  readFixture,
  recordDeployment,
  sharedConfig,
  startHarness,
} from "../../../support/github/harness";
import type { StubIssue } from "../../../support/github/stub-github";
import { type FakeWebhook, startFakeWebhook } from "../../../support/fake-webhook";

const REPO = "acme/customer";
/** `alerts.issueRepository`: where the alert issues go. */
const OPS = "acme/ops";
/** Known to the run (its secret variable) and found in a failure's text: it must reach no alert. */
const MYSQL_PASSWORD = "mysql-pw-5e1f0c27b9";
/** Unknown to the run, but shaped like a secret (`DB_PASSWORD=…`): it must reach no alert either. */
const ENV_DB_PASSWORD = "dotenv-pw-a83c11f4";
const RUN_URL = "https://github.com/acme/customer/actions/runs/9001";

let h: Harness;
let hook: FakeWebhook;

beforeEach(async () => {
  h = await startHarness();
  hook = await startFakeWebhook();
  h.env.FORGE_PREVIEWS_CONFIG = sharedConfig({ "forge-previews:alerts": { issueRepository: OPS } });
  h.env.FORGE_PREVIEWS_ALERT_WEBHOOK = hook.url;
  h.env.FORGE_PREVIEWS_MYSQL_PASSWORD = MYSQL_PASSWORD;
  const repo = h.stub.repo(REPO);
  repo.permissions.set("alice", { permission: "write", role_name: "write" });
  for (const pr of [12, 13]) {
    repo.pulls.set(pr, openPull(pr));
    seedLivePreview(pr);
  }
  h.ops.previews = [summary({ stack: "pr-12", pr: 12 }), summary({ stack: "pr-13", pr: 13 })];
  h.ops.upOutcome = new Error(
    `php artisan migrate exited 1: SQLSTATE[HY000] [1045] Access denied for user 'forge' (password ${MYSQL_PASSWORD})\n` +
      `.env: DB_PASSWORD=${ENV_DB_PASSWORD}`,
  );
});

afterEach(async () => {
  await hook.close();
  await h.close();
});

/** A PR whose preview is live: its status comment shows it ready. */
function seedLivePreview(pr: number): void {
  const state = {
    ...emptyState(pr),
    stack: `pr-${pr}`,
    app: "customer",
    status: "ready" as const,
    url: `https://pr-${pr}.preview.acme.test`,
  };
  h.stub.repo(REPO).comments.set(pr, [
    {
      id: 900 + pr,
      body: `<!-- forge-previews:pr-${pr} -->\nready\n${encodeState(state)}\n`,
      user: { login: "github-actions[bot]", type: "Bot" },
      created_at: "2025-03-03T10:05:00Z",
    },
  ]);
}

async function comment(body: string, pr: number): Promise<number> {
  const payload = await readFixture("issue_comment.created.json");
  (payload.comment as Record<string, unknown>).body = body;
  (payload.issue as Record<string, unknown>).number = pr;
  return h.runGithub("issue_comment", payload);
}

function alertIssues(): StubIssue[] {
  return h.stub.repo(OPS).issues;
}

function issueComments(issue: StubIssue): string[] {
  return (h.stub.repo(OPS).comments.get(issue.number) ?? []).map((c) => c.body);
}

/** Everything the alert channels received. */
function everythingAlerted(): string {
  return JSON.stringify([alertIssues(), alertIssues().map((issue) => issueComments(issue)), hook.texts]);
}

describe("a failed deployment", () => {
  it("opens one issue in the alert repository and posts one message to the webhook, saying what, where and what next", async () => {
    expect(await comment("/update", 12)).toBe(1);

    expect(alertIssues()).toHaveLength(1);
    const [issue] = alertIssues();
    expect(issue).toMatchObject({ state: "open", labels: [{ name: "forge-previews-alert" }] });
    expect(issue.title).toBe("🔴 forge-previews: Preview deployment failed (app customer)");
    expect(issue.body).toMatch(/^<!-- forge-previews:alert deployment-failed:app:customer -->\n/);
    expect(issue.body).toContain("- **pr-12** (since 2025-03-04 10:02 UTC): `pr-12` (PR #12) failed to deploy");
    for (const text of [issue.body, hook.texts[0]]) {
      expect(text).toContain("*Preview deployment failed*: `pr-12` (PR #12) failed to deploy: failed at pulumi up.");
      expect(text).toContain(
        `Where: app customer, PR https://github.com/acme/customer/pull/12, stack pr-12, run ${RUN_URL}`,
      );
      expect(text).toContain("Next: read the failing step in the run's log");
      expect(text).toContain("php artisan migrate exited 1");
    }
    expect(hook.texts).toHaveLength(1);
  });

  it("lets no secret through to the issue or the webhook", async () => {
    await comment("/update", 12);

    const alerted = everythingAlerted();
    expect(alerted).toContain("Access denied for user 'forge' (password [REDACTED])");
    expect(alerted).toContain("DB_PASSWORD=[REDACTED]");
    for (const secret of [MYSQL_PASSWORD, ENV_DB_PASSWORD, hook.url, h.env.GITHUB_TOKEN as string])
      expect(alerted).not.toContain(secret);
    expect((await h.everythingSent()).includes(hook.url)).toBe(false);
  });

  it("a second failure of the same kind updates that issue and comments on it instead of opening another", async () => {
    await comment("/update", 12);
    h.now = new Date("2025-03-04T10:05:00.000Z");
    expect(await comment("/update", 13)).toBe(1);

    expect(alertIssues()).toHaveLength(1);
    const [issue] = alertIssues();
    expect(issue.body).toContain("- **pr-12** (since 2025-03-04 10:02 UTC)");
    expect(issue.body).toContain("- **pr-13** (since 2025-03-04 10:05 UTC)");
    expect(issueComments(issue)).toHaveLength(1);
    expect(issueComments(issue)[0]).toContain("`pr-13` (PR #13) failed to deploy");
    expect(hook.texts).toHaveLength(2);
  });

  it("a repeated failure of one preview keeps when it first failed and adds a comment", async () => {
    await comment("/update", 12);
    h.now = new Date("2025-03-04T10:05:00.000Z");
    await comment("/update", 12);

    expect(alertIssues()).toHaveLength(1);
    const [issue] = alertIssues();
    expect(issue.body).toContain("- **pr-12** (since 2025-03-04 10:02 UTC)");
    expect(issueComments(issue)).toHaveLength(1);
    expect(hook.texts).toHaveLength(2);
  });

  it("counts as a creation failure for a PR without a live preview, in an issue of its own", async () => {
    h.stub.repo(REPO).comments.set(13, []);
    h.ops.previews = [summary({ stack: "pr-12", pr: 12 })];
    await comment("/preview", 13);

    expect(alertIssues().map((i) => i.title)).toEqual(["🔴 forge-previews: Preview creation failed (app customer)"]);
    expect(hook.texts[0]).toContain(
      "`forge-previews destroy --app customer --pr 13` removes what the failed creation left",
    );
  });
});

describe("a failed certificate", () => {
  it("is its own kind of alert when the failing step is the certificate, with the certificate's next step", async () => {
    h.ops.upOutcome = Object.assign(new Error("too many certificates already issued for pr-12.preview.acme.test"), {
      failedSteps: [{ op: "create", type: "forge:index:LetsEncryptCert", name: "pr-12-certificate" }],
    });
    await comment("/update", 12);

    expect(alertIssues().map((i) => i.title)).toEqual(["🔒 forge-previews: Preview certificate failed (app customer)"]);
    expect(hook.texts[0]).toContain("failed at create forge:index:LetsEncryptCert pr-12-certificate.");
    expect(hook.texts[0]).toContain("Next: check that the preview's domain resolves to the server");
  });
});

describe("a failed preview removed", () => {
  it("closes the failure's issue and says so on the webhook", async () => {
    h.stub.repo(REPO).comments.set(13, []);
    await comment("/preview", 13);
    expect(alertIssues().map((i) => i.state)).toEqual(["open"]);

    expect(await comment("/destroy", 13)).toBe(0);
    expect(alertIssues().map((i) => i.state)).toEqual(["closed"]);
    expect(hook.texts).toEqual([
      expect.stringContaining("*Preview creation failed*"),
      `✅ *Resolved*: \`pr-13\` (PR #13) was removed: \`/destroy\` by @alice. (run ${RUN_URL})`,
    ]);
  });
});

describe("the breaker", () => {
  function twoEarlierFailures(): void {
    recordDeployment(h.stub, REPO, {
      id: 1,
      environment: "preview/pr-4",
      state: "failure",
      at: "2025-03-04T09:50:00Z",
    });
    recordDeployment(h.stub, REPO, {
      id: 2,
      environment: "preview/pr-5",
      state: "failure",
      at: "2025-03-04T09:55:00Z",
    });
  }

  it("pausing after the third failure in a row is one alert on the issue channel and the webhook", async () => {
    twoEarlierFailures();
    await comment("/update", 12);

    const paused = alertIssues().filter((i) => i.title.includes("Preview deployments paused"));
    expect(paused).toHaveLength(1);
    expect(paused[0].body).toMatch(/^<!-- forge-previews:alert breaker-paused:app:customer -->\n/);
    expect(paused[0].body).toContain("- **acme/customer** (since 2025-03-04 10:02 UTC)");
    const pausedTexts = hook.texts.filter((t) => t.includes("*Preview deployments paused*"));
    expect(pausedTexts).toHaveLength(1);
    expect(pausedTexts[0]).toContain(
      "`/preview`, `/update` and pushes of acme/customer are paused until 10:32 UTC after 3 failed deployments in a row " +
        "(`preview/pr-12` at 10:02 UTC, `preview/pr-5` at 09:55 UTC, `preview/pr-4` at 09:50 UTC).",
    );
    expect(pausedTexts[0]).toContain("Next: find the cause in the failing runs");
  });

  it("resuming with a successful deployment closes its issue and the failure's, and tells the webhook", async () => {
    twoEarlierFailures();
    await comment("/update", 12);
    expect(alertIssues().map((i) => i.state)).toEqual(["open", "open"]);

    h.now = new Date("2025-03-04T10:40:00.000Z");
    h.ops.upOutcome = { stack: "pr-12", outputs: { url: "https://pr-12.preview.acme.test" }, timings: [], changes: {} };
    expect(await comment("/update", 12)).toBe(0);

    expect(alertIssues().map((i) => [i.state, i.state_reason])).toEqual([
      ["closed", "completed"],
      ["closed", "completed"],
    ]);
    expect(hook.texts.slice(2)).toEqual([
      `✅ *Resolved*: \`pr-12\` (PR #12) deployed and serves https://pr-12.preview.acme.test. (run ${RUN_URL})`,
      `✅ *Preview deployments resumed*: previews of acme/customer deploy again: \`pr-12\` succeeded. (run ${RUN_URL})`,
    ]);
    for (const issue of alertIssues()) expect(issueComments(issue).at(-1)).toMatch(/^✅ /);
  });
});

describe("a broken alert channel", () => {
  it("a webhook that answers 500 and an alert repository that answers 500 leave the run's result as it was", async () => {
    hook.status = 500;
    h.stub.inject({ method: "GET", pathPrefix: `/repos/${OPS}/issues`, status: 500, times: 100 });

    expect(await comment("/update", 12)).toBe(1);
    h.ops.upOutcome = { stack: "pr-12", outputs: { url: "https://pr-12.preview.acme.test" }, timings: [], changes: {} };
    expect(await comment("/update", 12)).toBe(0);

    expect(hook.texts).toHaveLength(2);
    const warnings = h.out.filter((l) => l.startsWith("::warning::alert not delivered"));
    expect(warnings).toEqual([
      `::warning::alert not delivered to the issue in ${OPS}: injected 500`,
      "::warning::alert not delivered to FORGE_PREVIEWS_ALERT_WEBHOOK: the webhook answered HTTP 500",
      `::warning::alert not delivered to the issue in ${OPS}: injected 500`,
      "::warning::alert not delivered to FORGE_PREVIEWS_ALERT_WEBHOOK: the webhook answered HTTP 500",
    ]);
    const sticky = (h.stub.repo(REPO).comments.get(12) ?? [])[0].body;
    expect(sticky).toContain("https://pr-12.preview.acme.test");
  });
});

describe("the sweep", () => {
  it("alerts when a preview could not be removed, and closes the alert after a sweep without failures", async () => {
    h.env.GITHUB_REPOSITORY = "acme/forge-previews";
    h.stub.repo(REPO).pulls.set(12, openPull(12, { state: "closed" }));
    h.ops.previews = [summary({ stack: "pr-12", pr: 12 })];
    h.ops.destroyOutcome = new Error(`mysql refused the drop (password ${MYSQL_PASSWORD})`);

    expect(await h.runSweep([])).toBe(1);
    const [issue] = alertIssues();
    expect(issue.title).toBe("🧹 forge-previews: Preview sweep failed (sweep)");
    expect(hook.texts[0]).toContain("the sweep could not handle 1 preview: `pr-12` (pr-12 could not be destroyed");
    expect(everythingAlerted()).not.toContain(MYSQL_PASSWORD);

    h.ops.destroyOutcome = { stack: "pr-12", existed: true };
    expect(await h.runSweep([])).toBe(0);
    expect(alertIssues().map((i) => i.state)).toEqual(["closed"]);
    expect(hook.texts).toHaveLength(2);
    expect(hook.texts[1]).toBe(
      "✅ *Resolved*: the sweep ran without failures. (run https://github.com/acme/forge-previews/actions/runs/9001)",
    );
  });

  it("alerts when it cannot list the previews at all", async () => {
    h.ops.listError = new Error(`cannot read the backend s3://state (secret ${MYSQL_PASSWORD})`);

    expect(await h.runSweep([])).toBe(1);
    expect(alertIssues().map((i) => i.title)).toEqual(["🧹 forge-previews: Preview sweep failed (sweep)"]);
    expect(hook.texts[0]).toContain("the sweep stopped before it looked at any preview: cannot read the backend");
    expect(hook.texts[0]).toContain("Next: check the state backend and its credentials");
    expect(everythingAlerted()).not.toContain(MYSQL_PASSWORD);
  });
});

describe("a server over a floor", () => {
  it("is one issue for the server, updated by the next alert and closed once the server is back within its floors", async () => {
    const warnings: string[] = [];
    const env = {
      GITHUB_TOKEN: "ghs_alerttoken0123456789",
      GITHUB_API_URL: h.stub.url,
      FORGE_PREVIEWS_ALERT_WEBHOOK: hook.url,
    };
    const io = { env, out: (line: string) => warnings.push(line), now: () => h.now, retryBaseMs: 1 };
    const alerts = alertsFromEnv(io, { issueRepository: OPS }, new Redactor());
    const place = {
      app: "customer",
      stack: "pr-13",
      pr: 13,
      repoUrl: "https://github.com/acme/customer",
      runUrl: RUN_URL,
    };
    await alerts.alert(
      serverOverFloorAlert({ server: "4242", floor: "memory used 93% (floor 90%)", refused: place, runUrl: RUN_URL }),
    );
    await alerts.alert(serverOverFloorAlert({ server: "4242", floor: "memory used 95% (floor 90%)", runUrl: RUN_URL }));

    expect(alertIssues()).toHaveLength(1);
    const [issue] = alertIssues();
    expect(issue.title).toBe("📈 forge-previews: Server over a capacity floor (server 4242)");
    expect(issue.body).toContain("server 4242 is over a capacity floor: memory used 95% (floor 90%).");
    expect(issueComments(issue)).toHaveLength(1);
    expect(hook.texts[0]).toContain(
      "server 4242 is over a capacity floor: memory used 93% (floor 90%); `pr-13` (PR #13) was not created.",
    );
    expect(hook.texts[0]).toContain("Where: server 4242, PR https://github.com/acme/customer/pull/13, stack pr-13");

    await alerts.resolve(serverWithinFloorsResolution("4242", RUN_URL));
    expect(issue.state).toBe("closed");
    expect(hook.texts.at(-1)).toBe(`✅ *Resolved*: server 4242 is back within its floors. (run ${RUN_URL})`);
    expect(warnings).toEqual([]);
  });

  it("is one open issue holding both alerts when two runs raise it at once", async () => {
    const client = createGitHubClient({ token: "ghs_alerttoken0123456789", baseUrl: h.stub.url, retryBaseMs: 1 });
    const repo = createRepoApi(client, parseRepoRef(OPS));
    // Both runs have found no issue before either opens one, as two jobs starting together can.
    let creating = 0;
    let bothFoundNone: () => void = () => undefined;
    const together = new Promise<void>((resolve) => (bothFoundNone = resolve));
    const run = (): IssueChannel => {
      const api = createAlertIssueApi(client, repo);
      return new IssueChannel(
        {
          ...api,
          async createIssue(input) {
            if (++creating === 2) bothFoundNone();
            await together;
            return api.createIssue(input);
          },
        },
        () => h.now,
      );
    };
    const over = (pr: number) =>
      serverOverFloorAlert({
        server: "4242",
        floor: `memory used 9${pr - 10}% (floor 90%)`,
        refused: {
          app: "customer",
          stack: `pr-${pr}`,
          pr,
          repoUrl: "https://github.com/acme/customer",
          runUrl: RUN_URL,
        },
        runUrl: RUN_URL,
      });

    await Promise.all([run().alert(over(12)), run().alert(over(13))]);

    const open = alertIssues().filter((issue) => issue.state === "open");
    expect(alertIssues()).toHaveLength(2);
    expect(open).toHaveLength(1);
    expect(open[0]!.number).toBeLessThan(alertIssues().find((issue) => issue.state === "closed")!.number);
    expect(issueComments(open[0]!)).toHaveLength(1);
    expect(alertIssues().find((issue) => issue.state === "closed")!.body).toBe(
      `Opened at the same time as #${open[0]!.number}, which now holds this alert.`,
    );
  });

  it("is raised by a /preview refused for headroom, and closed by the next new preview the server admits", async () => {
    const repo = h.stub.repo(REPO);
    repo.pulls.set(14, openPull(14));
    const measured = {
      memoryTotalBytes: 8 * 2 ** 30,
      memoryUsedBytes: 7.6 * 2 ** 30,
      mysqlDisk: { path: "/var/lib/mysql", mount: "/", totalBytes: 100 * 2 ** 30, freeBytes: 50 * 2 ** 30 },
      master: "customer_master",
      masterBytes: 2 ** 30,
    };
    const text = "memory in use is 95.0% (7.6 GiB of 8.0 GiB), above `maxMemoryPercent` 90";
    h.ops.headroom = async () => ({ allowed: false, measured, failures: [{ floor: "maxMemoryPercent", text }] });

    expect(await comment("/preview", 14)).toBe(0);

    expect(h.ops.calls.map((call) => call.op)).not.toContain("upPreview");
    expect(alertIssues()).toHaveLength(1);
    const [issue] = alertIssues();
    expect(issue.title).toMatch(/^📈 forge-previews: Server over a capacity floor \(server \d+\)$/);
    expect(issue.body).toContain(text);
    expect(hook.texts[0]).toContain("`pr-14` (PR #14) was not created");

    h.ops.headroom = async () => ({ allowed: true, measured: { ...measured, memoryUsedBytes: 2 ** 30 } });
    await comment("/preview", 14);

    expect(h.ops.calls.map((call) => call.op)).toContain("upPreview");
    expect(issue.state).toBe("closed");
  });
});
