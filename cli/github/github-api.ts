/**
 * The GitHub REST calls the handlers make, on @octokit/rest with its retry plugin (5xx and 429 are retried with
 * backoff; other 4xx are not). The base URL comes from the caller (`GITHUB_API_URL` in a workflow, a local stub in
 * tests), and the token is only ever inside the client.
 */
import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import type { RepoRef } from "./event";

const RetryingOctokit = Octokit.plugin(retry);
export type GitHubClient = InstanceType<typeof RetryingOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** `GITHUB_API_URL`, e.g. https://api.github.com or a GitHub Enterprise `/api/v3` root. */
  baseUrl: string;
  /** First retry waits this long, the next ones the square of the attempt times it. @default 1000 */
  retryBaseMs?: number;
  /** @default 3 */
  retries?: number;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  return new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: "forge-previews",
    retry: { retryAfterBaseValue: options.retryBaseMs ?? 1000, retries: options.retries ?? 3 },
    // Octokit logs failed requests itself; the handlers report them once, with context, instead.
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => console.warn(message),
      error: () => undefined,
    },
  });
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type ReactionContent = "eyes" | "rocket" | "-1" | "confused";
export type DeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive";

export interface CommentAuthor {
  login: string;
  isBot: boolean;
}

export interface IssueComment {
  id: number;
  body: string;
  author: CommentAuthor | null;
}

export interface PullRequestInfo {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  headRef: string;
  headSha: string;
  /** `owner/name` of the head branch's repository; null when that fork was deleted. */
  headRepo: string | null;
  baseRepo: string;
  labels: string[];
}

export interface DeploymentInfo {
  id: number;
  environment: string;
  createdAt: string;
}

export interface DeploymentStatusInfo {
  state: string;
  createdAt: string;
}

/** One repository's worth of calls, so sweep can hold one per app repository. */
export interface RepoApi {
  readonly repo: RepoRef;
  getPermission(login: string): Promise<Permission>;
  /** null when the PR does not exist or the token cannot see it. */
  getPull(pr: number): Promise<PullRequestInfo | null>;
  addReaction(commentId: number, content: ReactionContent): Promise<void>;
  /** Every comment of the issue, oldest first, 100 a page. */
  listIssueComments(pr: number): AsyncIterable<IssueComment>;
  createComment(pr: number, body: string): Promise<number>;
  updateComment(commentId: number, body: string): Promise<void>;
  /** The token's own login, or null for tokens that cannot ask (a workflow's GITHUB_TOKEN). */
  getAuthenticatedLogin(): Promise<string | null>;
  createDeployment(input: {
    ref: string;
    environment: string;
    description: string;
    payload: Record<string, string | number>;
  }): Promise<number>;
  createDeploymentStatus(
    id: number,
    input: { state: DeploymentState; environmentUrl?: string; logUrl?: string; description: string },
  ): Promise<void>;
  /** Newest first; one page. */
  listDeployments(input: { environment?: string; perPage: number }): Promise<DeploymentInfo[]>;
  /** Newest first; one page. */
  listDeploymentStatuses(id: number, perPage: number): Promise<DeploymentStatusInfo[]>;
}

function statusOf(error: unknown): number | null {
  return typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
    ? error.status
    : null;
}

function toAuthor(user: { login: string; type?: string } | null | undefined): CommentAuthor | null {
  return user ? { login: user.login, isBot: user.type === "Bot" } : null;
}

const PERMISSIONS: readonly Permission[] = ["admin", "maintain", "write", "triage", "read", "none"];

export function createRepoApi(client: GitHubClient, repo: RepoRef): RepoApi {
  const base = { owner: repo.owner, repo: repo.repo };
  let authenticatedLogin: Promise<string | null> | null = null;
  return {
    repo,
    async getPermission(login) {
      try {
        const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...base, username: login });
        // `permission` folds maintain into write and triage into read; `role_name` keeps them (and names custom roles).
        const role = (data as { role_name?: string }).role_name;
        if (role !== undefined && (PERMISSIONS as readonly string[]).includes(role)) return role as Permission;
        return (PERMISSIONS as readonly string[]).includes(data.permission) ? (data.permission as Permission) : "none";
      } catch (error) {
        if (statusOf(error) === 404) return "none";
        throw error;
      }
    },
    async getPull(pr) {
      try {
        const { data } = await client.rest.pulls.get({ ...base, pull_number: pr });
        return {
          number: data.number,
          state: data.state === "open" ? "open" : "closed",
          merged: data.merged === true,
          headRef: data.head.ref,
          headSha: data.head.sha,
          headRepo: data.head.repo ? data.head.repo.full_name : null,
          baseRepo: data.base.repo.full_name,
          labels: data.labels.map((label) => label.name ?? "").filter((name) => name !== ""),
        };
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
    async addReaction(commentId, content) {
      await client.rest.reactions.createForIssueComment({ ...base, comment_id: commentId, content });
    },
    async *listIssueComments(pr) {
      const pages = client.paginate.iterator(client.rest.issues.listComments, {
        ...base,
        issue_number: pr,
        per_page: 100,
      });
      for await (const page of pages) {
        for (const comment of page.data)
          yield { id: comment.id, body: comment.body ?? "", author: toAuthor(comment.user) };
      }
    },
    async createComment(pr, body) {
      const { data } = await client.rest.issues.createComment({ ...base, issue_number: pr, body });
      return data.id;
    },
    async updateComment(commentId, body) {
      await client.rest.issues.updateComment({ ...base, comment_id: commentId, body });
    },
    getAuthenticatedLogin() {
      authenticatedLogin ??= client.rest.users.getAuthenticated().then(
        ({ data }) => data.login,
        (error: unknown) => {
          // Installation tokens (GITHUB_TOKEN) get 403 here; they act as a Bot user, which is trusted by type.
          if (statusOf(error) === 403 || statusOf(error) === 401) return null;
          throw error;
        },
      );
      return authenticatedLogin;
    },
    async createDeployment(input) {
      const response = await client.rest.repos.createDeployment({
        ...base,
        ref: input.ref,
        environment: input.environment,
        description: input.description,
        payload: input.payload,
        transient_environment: true,
        production_environment: false,
        // A preview is for looking at unfinished work: no merge of the base branch and no wait for other checks.
        auto_merge: false,
        required_contexts: [],
      });
      if (response.status !== 201 || !("id" in response.data)) {
        throw new Error(`GitHub did not create the deployment for ${input.environment} (HTTP ${response.status}).`);
      }
      return response.data.id;
    },
    async createDeploymentStatus(id, input) {
      await client.rest.repos.createDeploymentStatus({
        ...base,
        deployment_id: id,
        state: input.state,
        description: input.description.slice(0, 140),
        ...(input.environmentUrl ? { environment_url: input.environmentUrl } : {}),
        ...(input.logUrl ? { log_url: input.logUrl } : {}),
        // The newest success marks older deployments of the environment inactive by itself.
        auto_inactive: true,
      });
    },
    async listDeployments(input) {
      const { data } = await client.rest.repos.listDeployments({
        ...base,
        per_page: input.perPage,
        ...(input.environment ? { environment: input.environment } : {}),
      });
      return data.map((d) => ({ id: d.id, environment: d.environment, createdAt: d.created_at }));
    },
    async listDeploymentStatuses(id, perPage) {
      const { data } = await client.rest.repos.listDeploymentStatuses({
        ...base,
        deployment_id: id,
        per_page: perPage,
      });
      return data.map((s) => ({ state: s.state, createdAt: s.created_at }));
    },
  };
}
