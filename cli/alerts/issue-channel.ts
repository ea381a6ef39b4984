/**
 * The GitHub issue channel: one open issue per alert group (kind and app, see alert.ts) in `alerts.issueRepository`,
 * found by its label and the hidden marker its body starts with, and trusted only when a bot or the token's own user
 * wrote it (anyone may paste the marker). The first alert opens the issue, each later one of the group is a comment
 * on it (which notifies its subscribers) and updates its list of open subjects; a resolution removes its subject, and
 * the issue closes itself once none is left. The list lives in the body as hidden base64 JSON, like the PR comment's.
 */
import { isRecord } from "../../providers/common/narrow";
import type { CommentAuthor, GitHubClient, RepoApi } from "../github/github-api";
import { type Alert, type Resolution, groupKey, groupTitle, renderAlert, renderResolution } from "./alert";

export const ALERT_LABEL = "forge-previews-alert";

const STATE_PREFIX = "<!-- forge-previews:alert-state ";

export function alertMarker(key: string): string {
  return `<!-- forge-previews:alert ${key} -->`;
}

interface OpenEntry {
  what: string;
  at: string;
  runUrl: string | null;
}

type IssueState = Record<string, OpenEntry>;

function encodeIssueState(state: IssueState): string {
  return `${STATE_PREFIX}${Buffer.from(JSON.stringify(state), "utf8").toString("base64")} -->`;
}

/** Reads the hidden list back; a malformed entry is dropped rather than trusted. */
function decodeIssueState(body: string): IssueState {
  const start = body.lastIndexOf(STATE_PREFIX);
  if (start < 0) return {};
  const end = body.indexOf(" -->", start);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body.slice(start + STATE_PREFIX.length, end), "base64").toString("utf8"));
  } catch {
    return {};
  }
  if (!isRecord(raw)) return {};
  const state: IssueState = {};
  for (const [subject, entry] of Object.entries(raw)) {
    if (isRecord(entry) && typeof entry.what === "string" && typeof entry.at === "string")
      state[subject] = {
        what: entry.what,
        at: entry.at,
        runUrl: typeof entry.runUrl === "string" ? entry.runUrl : null,
      };
  }
  return state;
}

function renderIssueBody(key: string, title: string, state: IssueState, latest: string): string {
  const open = Object.entries(state)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([subject, e]) => `- **${subject}** (since ${e.at.slice(0, 16).replace("T", " ")} UTC): ${e.what}`);
  return [
    alertMarker(key),
    `### ${title}`,
    "",
    open.length > 0 ? `Still open:\n${open.join("\n")}` : "Nothing open: every alert of this issue was resolved.",
    "",
    "Latest:",
    "",
    latest,
    "",
    "_Kept up to date by forge-previews: each new alert of this kind is a comment below, and the issue closes itself " +
      "once everything above is resolved (the stack deploys, the breaker resumes, the server is back under its " +
      "floors, a sweep succeeds)._",
    encodeIssueState(state),
    "",
  ].join("\n");
}

/** The issue calls the channel makes, besides the comment and login calls it shares with the PR glue. */
export interface AlertIssueApi {
  repo: RepoApi;
  /** Open issues (not PRs) carrying `label`, oldest first. */
  listOpenIssues(label: string): AsyncIterable<{ number: number; body: string; author: CommentAuthor | null }>;
  createIssue(input: { title: string; body: string; labels: string[] }): Promise<number>;
  updateIssue(number: number, input: { body: string; state?: "closed" }): Promise<void>;
}

export function createAlertIssueApi(client: GitHubClient, repo: RepoApi): AlertIssueApi {
  const base = { owner: repo.repo.owner, repo: repo.repo.repo };
  return {
    repo,
    async *listOpenIssues(label) {
      const pages = client.paginate.iterator(client.rest.issues.listForRepo, {
        ...base,
        state: "open",
        labels: label,
        sort: "created",
        direction: "asc",
        per_page: 100,
      });
      for await (const page of pages) {
        for (const issue of page.data) {
          if (issue.pull_request) continue;
          const user = issue.user;
          yield {
            number: issue.number,
            body: issue.body ?? "",
            author: user ? { login: user.login, isBot: user.type === "Bot" } : null,
          };
        }
      }
    },
    async createIssue(input) {
      const { data } = await client.rest.issues.create({ ...base, ...input });
      return data.number;
    },
    async updateIssue(number, input) {
      await client.rest.issues.update({
        ...base,
        issue_number: number,
        body: input.body,
        ...(input.state ? { state: input.state, state_reason: "completed" as const } : {}),
      });
    },
  };
}

type FoundIssue = { number: number; state: IssueState };

/** The oldest open issue of group `key` this token wrote (two runs at once may have opened two). */
async function findIssue(api: AlertIssueApi, key: string): Promise<FoundIssue | null> {
  const marker = alertMarker(key);
  let oldest: FoundIssue | null = null;
  for await (const issue of api.listOpenIssues(ALERT_LABEL)) {
    if (!issue.body.startsWith(marker) || !issue.author) continue;
    if (!issue.author.isBot && issue.author.login !== (await api.repo.getAuthenticatedLogin())) continue;
    if (oldest === null || issue.number < oldest.number)
      oldest = { number: issue.number, state: decodeIssueState(issue.body) };
  }
  return oldest;
}

export class IssueChannel {
  constructor(
    private readonly api: AlertIssueApi,
    private readonly now: () => Date,
  ) {}

  get repository(): string {
    return this.api.repo.repo.fullName;
  }

  async alert(alert: Alert): Promise<void> {
    const key = groupKey(alert);
    const text = renderAlert(alert);
    const found = await findIssue(this.api, key);
    if (!found) {
      const body = renderIssueBody(key, groupTitle(alert), this.withAlert({}, alert), text);
      const created = await this.api.createIssue({ title: groupTitle(alert), body, labels: [ALERT_LABEL] });
      await this.keepOldest(key, created, alert, text);
      return;
    }
    await this.addTo(found, key, alert, text);
  }

  /** `state` with `alert`'s subject in it. `at` is when the subject first went wrong; the latest is in `what`. */
  private withAlert(state: IssueState, alert: Alert): IssueState {
    const at = state[alert.subject]?.at ?? this.now().toISOString();
    return { ...state, [alert.subject]: { what: alert.what, at, runUrl: alert.runUrl } };
  }

  private async addTo(issue: FoundIssue, key: string, alert: Alert, text: string): Promise<void> {
    const body = renderIssueBody(key, groupTitle(alert), this.withAlert(issue.state, alert), text);
    await this.api.updateIssue(issue.number, { body });
    await this.api.repo.createComment(issue.number, text);
  }

  /**
   * Two runs alerting the same group at once (two PRs refused by one full server) may each find no issue and open
   * one. The oldest open issue of the group is the group's: a newer one just opened moves its alert there and closes.
   */
  private async keepOldest(key: string, created: number, alert: Alert, text: string): Promise<void> {
    const oldest = await findIssue(this.api, key);
    if (oldest === null || oldest.number >= created) return;
    await this.addTo(oldest, key, alert, text);
    await this.api.updateIssue(created, {
      body: `Opened at the same time as #${oldest.number}, which now holds this alert.`,
      state: "closed",
    });
  }

  /** True when an open issue listed the subject, which is now resolved there. */
  async resolve(resolution: Resolution): Promise<boolean> {
    const key = groupKey(resolution);
    const found = await findIssue(this.api, key);
    if (!found || !(resolution.subject in found.state)) return false;
    const text = renderResolution(resolution);
    const state = { ...found.state };
    delete state[resolution.subject];
    await this.api.repo.createComment(found.number, text);
    const body = renderIssueBody(key, groupTitle(resolution), state, text);
    await this.api.updateIssue(found.number, { body, ...(Object.keys(state).length === 0 ? { state: "closed" } : {}) });
    return true;
  }
}
