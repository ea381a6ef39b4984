/**
 * Reads the webhook payload GitHub hands the workflow (`GITHUB_EVENT_PATH`) into the few fields the handlers use.
 * Everything in it is untrusted text; only numbers, ids and the repository names are taken as they are.
 */
import { isRecord as isObject, pick, pickNumber, pickOptional, pickString } from "../../providers/common/narrow";

export interface RepoRef {
  owner: string;
  repo: string;
  /** `owner/name`. */
  fullName: string;
}

export interface CommentEvent {
  kind: "comment";
  repo: RepoRef;
  pr: number;
  commentId: number;
  body: string;
  author: { login: string; isBot: boolean };
}

export interface PullRequestClosedEvent {
  kind: "pull-request-closed";
  repo: RepoRef;
  pr: number;
  merged: boolean;
  /** The head branch lives in another repository (or a deleted one); such PRs never get a preview. */
  isFork: boolean;
}

/** New commits on the PR's branch (`synchronize`) or a closed PR opened again (`reopened`). */
export interface PullRequestUpdatedEvent {
  kind: "pull-request-updated";
  repo: RepoRef;
  pr: number;
  action: "synchronize" | "reopened";
  headRef: string;
  headSha: string;
  isFork: boolean;
}

export type ParsedEvent =
  CommentEvent | PullRequestClosedEvent | PullRequestUpdatedEvent | { kind: "ignored"; reason: string };

export function parseRepoRef(fullName: string): RepoRef {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(fullName);
  if (!match) throw new Error(`Repository name ${JSON.stringify(fullName)} is not \`owner/name\`.`);
  return { owner: match[1], repo: match[2], fullName };
}

export function parseEvent(eventName: string, payload: unknown): ParsedEvent {
  const what = `The ${eventName} event payload`;
  if (!isObject(payload)) return { kind: "ignored", reason: `${what} is not a JSON object` };
  const action = pickOptional(payload, "action");
  if (eventName === "issue_comment") {
    if (action !== "created")
      return { kind: "ignored", reason: `comment ${String(action)}, only new comments carry commands` };
    if (!isObject(pickOptional(payload, "issue.pull_request")))
      return { kind: "ignored", reason: "the comment is on an issue, not a pull request" };
    return {
      kind: "comment",
      repo: parseRepoRef(pickString(payload, "repository.full_name", what)),
      pr: pickNumber(payload, "issue.number", what),
      commentId: pickNumber(payload, "comment.id", what),
      body:
        typeof pick(payload, "comment.body", what) === "string" ? (pick(payload, "comment.body", what) as string) : "",
      author: {
        login: pickString(payload, "comment.user.login", what),
        isBot: pickOptional(payload, "comment.user.type") === "Bot",
      },
    };
  }
  if (eventName === "pull_request" || eventName === "pull_request_target") {
    if (action !== "closed" && action !== "synchronize" && action !== "reopened")
      return {
        kind: "ignored",
        reason: `pull request ${String(action)}; only closed, synchronize and reopened concern a preview`,
      };
    const base = pickString(payload, "pull_request.base.repo.full_name", what);
    const head = pickOptional(payload, "pull_request.head.repo.full_name");
    const isFork = typeof head !== "string" || head.toLowerCase() !== base.toLowerCase();
    if (action !== "closed")
      return {
        kind: "pull-request-updated",
        repo: parseRepoRef(pickString(payload, "repository.full_name", what)),
        pr: pickNumber(payload, "pull_request.number", what),
        action,
        headRef: pickString(payload, "pull_request.head.ref", what),
        headSha: pickString(payload, "pull_request.head.sha", what),
        isFork,
      };
    return {
      kind: "pull-request-closed",
      repo: parseRepoRef(pickString(payload, "repository.full_name", what)),
      pr: pickNumber(payload, "pull_request.number", what),
      merged: pickOptional(payload, "pull_request.merged") === true,
      isFork,
    };
  }
  return {
    kind: "ignored",
    reason: `event \`${eventName}\` is not one this workflow handles (issue_comment, pull_request closed, synchronize or reopened)`,
  };
}
