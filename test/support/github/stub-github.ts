/**
 * A local stand-in for the parts of GitHub's REST API the CLI calls, on 127.0.0.1 with a free port. It keeps
 * repositories' permissions, pull requests, comments (paged with a Link header like GitHub), reactions and
 * deployments with their statuses, issues, and records every request so tests assert on what was sent.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | null;
}

export interface StubUser {
  login: string;
  type: "User" | "Bot";
}

export interface StubComment {
  id: number;
  body: string;
  user: StubUser;
  created_at: string;
}

export interface StubDeployment {
  id: number;
  ref: string;
  environment: string;
  created_at: string;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
}

export interface StubDeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment_url: string;
  log_url: string;
  created_at: string;
}

export interface StubPull {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  head: { ref: string; sha: string; repo: { full_name: string } | null };
  base: { ref: string; repo: { full_name: string } };
  labels: Array<{ name: string }>;
}

export interface StubIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason: string | null;
  labels: Array<{ name: string }>;
  user: StubUser;
  created_at: string;
}

interface RepoState {
  permissions: Map<string, { permission: string; role_name: string }>;
  pulls: Map<number, StubPull>;
  comments: Map<number, StubComment[]>;
  reactions: Array<{ commentId: number; content: string }>;
  deployments: StubDeployment[];
  statuses: Map<number, StubDeploymentStatus[]>;
  /** File contents by `<ref>:<path>`, served raw by GET /contents/{path}?ref=. */
  files: Map<string, string>;
  /** Issues (not PRs); their comments are in `comments` under the issue's number. */
  issues: StubIssue[];
}

export interface StubGitHub {
  url: string;
  requests: RecordedRequest[];
  repo(fullName: string): RepoState;
  /** The login GET /user answers with; null answers 403 as for a workflow's GITHUB_TOKEN. */
  authenticatedLogin: string | null;
  /** Time used for created_at of what the stub creates. */
  clock: () => Date;
  /** The next `times` requests matching method and path prefix fail with `status`. */
  inject(fault: { method: string; pathPrefix: string; status: number; times: number }): void;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? null : JSON.parse(text);
}

function pullJson(pull: StubPull): unknown {
  return { ...pull, id: pull.number * 1000, title: `PR ${pull.number}`, user: { login: "author", type: "User" } };
}

export async function startStubGitHub(): Promise<StubGitHub> {
  const repos = new Map<string, RepoState>();
  const faults: Array<{ method: string; pathPrefix: string; status: number; times: number }> = [];
  let nextId = 5000;
  const stub: StubGitHub = {
    url: "",
    requests: [],
    authenticatedLogin: null,
    clock: () => new Date(),
    repo(fullName) {
      let state = repos.get(fullName.toLowerCase());
      if (!state) {
        state = {
          permissions: new Map(),
          pulls: new Map(),
          comments: new Map(),
          reactions: [],
          deployments: [],
          statuses: new Map(),
          files: new Map(),
          issues: [],
        };
        repos.set(fullName.toLowerCase(), state);
      }
      return state;
    },
    inject(fault) {
      faults.push({ ...fault });
    },
    close: async () => undefined,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const body = await readBody(req);
    stub.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization ?? null,
    });
    if (!req.headers.authorization) return json(res, 401, { message: "Requires authentication" });
    const fault = faults.find((f) => f.method === method && url.pathname.startsWith(f.pathPrefix) && f.times > 0);
    if (fault) {
      fault.times -= 1;
      return json(res, fault.status, { message: `injected ${fault.status}` });
    }
    const now = stub.clock().toISOString();
    if (method === "GET" && url.pathname === "/user") {
      return stub.authenticatedLogin === null
        ? json(res, 403, { message: "Resource not accessible by integration" })
        : json(res, 200, { login: stub.authenticatedLogin, type: "User" });
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!m) return json(res, 404, { message: "Not Found" });
    const fullName = `${m[1]}/${m[2]}`;
    const repo = stub.repo(fullName);
    const rest = m[3];
    let r: RegExpExecArray | null;

    if (method === "GET" && (r = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const found = repo.permissions.get(decodeURIComponent(r[1]));
      if (!found) return json(res, 404, { message: "Not Found" });
      return json(res, 200, { ...found, user: { login: decodeURIComponent(r[1]) } });
    }
    if (method === "GET" && (r = /^\/contents\/(.+)$/.exec(rest))) {
      const text = repo.files.get(`${url.searchParams.get("ref") ?? ""}:${decodeURIComponent(r[1])}`);
      if (text === undefined) return json(res, 404, { message: "Not Found" });
      res.writeHead(200, { "content-type": "application/vnd.github.raw; charset=utf-8" });
      res.end(text);
      return;
    }
    if (method === "GET" && (r = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = repo.pulls.get(Number(r[1]));
      return pull ? json(res, 200, pullJson(pull)) : json(res, 404, { message: "Not Found" });
    }
    if (method === "POST" && (r = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
      repo.reactions.push({ commentId: Number(r[1]), content: (body as { content: string }).content });
      return json(res, 201, { id: nextId++, content: (body as { content: string }).content });
    }
    if (method === "GET" && (r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const all = repo.comments.get(Number(r[1])) ?? [];
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const links: string[] = [];
      const link = (p: number, rel: string) =>
        `<${stub.url}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
      if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      return json(res, 200, slice, links.length > 0 ? { link: links.join(", ") } : {});
    }
    if (method === "POST" && (r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const comment: StubComment = {
        id: nextId++,
        body: (body as { body: string }).body,
        user: { login: "github-actions[bot]", type: "Bot" },
        created_at: now,
      };
      const list = repo.comments.get(Number(r[1])) ?? [];
      list.push(comment);
      repo.comments.set(Number(r[1]), list);
      return json(res, 201, comment);
    }
    if (method === "PATCH" && (r = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      for (const list of repo.comments.values()) {
        const comment = list.find((c) => c.id === Number(r?.[1]));
        if (comment) {
          comment.body = (body as { body: string }).body;
          return json(res, 200, comment);
        }
      }
      return json(res, 404, { message: "Not Found" });
    }
    if (method === "GET" && rest === "/issues") {
      const state = url.searchParams.get("state") ?? "open";
      const labels = (url.searchParams.get("labels") ?? "").split(",").filter((l) => l !== "");
      const list = repo.issues
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => labels.every((l) => i.labels.some((label) => label.name === l)));
      return json(res, 200, list);
    }
    if (method === "POST" && rest === "/issues") {
      const input = body as { title: string; body?: string; labels?: string[] };
      const issue: StubIssue = {
        number: nextId++,
        title: input.title,
        body: input.body ?? "",
        state: "open",
        state_reason: null,
        labels: (input.labels ?? []).map((name) => ({ name })),
        user: { login: "github-actions[bot]", type: "Bot" },
        created_at: now,
      };
      repo.issues.push(issue);
      return json(res, 201, issue);
    }
    if (method === "PATCH" && (r = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = repo.issues.find((i) => i.number === Number(r?.[1]));
      if (!issue) return json(res, 404, { message: "Not Found" });
      const input = body as { body?: string; state?: "open" | "closed"; state_reason?: string };
      if (input.body !== undefined) issue.body = input.body;
      if (input.state !== undefined) issue.state = input.state;
      if (input.state_reason !== undefined) issue.state_reason = input.state_reason;
      return json(res, 200, issue);
    }
    if (method === "POST" && rest === "/deployments") {
      const input = body as {
        ref: string;
        environment: string;
        payload: unknown;
        transient_environment: boolean;
        production_environment: boolean;
      };
      const deployment: StubDeployment = {
        id: nextId++,
        ref: input.ref,
        environment: input.environment,
        created_at: now,
        payload: input.payload,
        transient_environment: input.transient_environment,
        production_environment: input.production_environment,
      };
      repo.deployments.push(deployment);
      return json(res, 201, deployment);
    }
    if (method === "GET" && rest === "/deployments") {
      const environment = url.searchParams.get("environment");
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const list = repo.deployments
        .filter((d) => environment === null || d.environment === environment)
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
        .slice(0, perPage);
      return json(res, 200, list);
    }
    if ((r = /^\/deployments\/(\d+)\/statuses$/.exec(rest))) {
      const id = Number(r[1]);
      if (!repo.deployments.some((d) => d.id === id)) return json(res, 404, { message: "Not Found" });
      const list = repo.statuses.get(id) ?? [];
      if (method === "POST") {
        const input = body as { state: string; description?: string; environment_url?: string; log_url?: string };
        const status: StubDeploymentStatus = {
          id: nextId++,
          state: input.state,
          description: input.description ?? "",
          environment_url: input.environment_url ?? "",
          log_url: input.log_url ?? "",
          created_at: now,
        };
        list.push(status);
        repo.statuses.set(id, list);
        return json(res, 201, status);
      }
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      return json(res, 200, [...list].reverse().slice(0, perPage));
    }
    return json(res, 404, { message: `stub has no route for ${method} ${url.pathname}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return stub;
}
