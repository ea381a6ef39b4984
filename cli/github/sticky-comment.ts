/**
 * The one PR comment the automation keeps per pull request: found by its hidden marker among all of the PR's
 * comments (every page), created the first time and edited in place afterwards, so the PR is not flooded with a
 * comment per run. Only a comment written by a bot or by the token's own user is trusted, since anyone can paste
 * the marker into a comment of their own.
 */
import type { IssueComment, RepoApi } from "./github-api";
import type { Redactor } from "./redactor";
import { renderStatus, stickyMarker } from "./sticky-render";
import { type StickyState, decodeState, emptyState, encodeState } from "./sticky-state";

async function isTrustedAuthor(api: RepoApi, comment: IssueComment): Promise<boolean> {
  if (!comment.author) return false;
  if (comment.author.isBot) return true;
  return comment.author.login === (await api.getAuthenticatedLogin());
}

/** Applies `redact` to every string in the state, so nothing secret is encoded into the hidden part either. */
function redactState(state: StickyState, redact: (text: string) => string): StickyState {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return redact(value);
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === "object" && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(state) as StickyState;
}

export class StickyComment {
  private constructor(
    private readonly api: RepoApi,
    private readonly redactor: Redactor,
    private commentId: number | null,
    public state: StickyState,
  ) {}

  get exists(): boolean {
    return this.commentId !== null;
  }

  static async load(api: RepoApi, pr: number, redactor: Redactor): Promise<StickyComment> {
    const marker = stickyMarker(pr);
    for await (const comment of api.listIssueComments(pr)) {
      if (!comment.body.startsWith(marker) || !(await isTrustedAuthor(api, comment))) continue;
      return new StickyComment(api, redactor, comment.id, decodeState(comment.body, pr));
    }
    return new StickyComment(api, redactor, null, emptyState(pr));
  }

  update(patch: Partial<StickyState>): void {
    this.state = { ...this.state, ...patch };
  }

  /** Writes the current state: the first save creates the comment, later ones edit it. Returns the posted body. */
  async save(): Promise<string> {
    this.state = redactState(this.state, (text) => this.redactor.redact(text));
    // The visible text is redacted again as a whole; the encoded state is not, since its strings already are and a
    // replacement inside base64 would corrupt it.
    const body = `${stickyMarker(this.state.pr)}\n${this.redactor.redact(renderStatus(this.state))}\n${encodeState(this.state)}\n`;
    if (this.commentId === null) this.commentId = await this.api.createComment(this.state.pr, body);
    else await this.api.updateComment(this.commentId, body);
    return body;
  }
}
