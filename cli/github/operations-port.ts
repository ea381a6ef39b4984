/**
 * What the GitHub glue needs from the operations layer (`cli/operations.ts`), as a port: the command handlers receive
 * these functions instead of importing them, so tests drive them with recording fakes and the real CLI passes the
 * module itself. The shapes mirror `cli/operations.ts`; the compiler checks the two agree where the CLI wires them.
 */

export interface OperationsContext {
  projectDir: string;
  pulumiBinDir: string;
  env: Record<string, string>;
  onProgress?(line: string): void;
}

export interface PreviewRef {
  /** null for the default app, whose stack is `pr-<n>`. */
  app: string | null;
  pr: number;
}

export interface UpRequest extends PreviewRef {
  branch: string;
  sha: string;
  redeploy?: boolean;
  resetDatabase?: boolean;
}

export interface UpResult {
  stack: string;
  outputs: Record<string, unknown>;
  timings: Array<{ phase: string; ms: number }>;
  changes: Record<string, number>;
}

export interface PreviewSummary {
  stack: string;
  app: string;
  pr: number;
  branch: string | null;
  url: string | null;
  createdAt: string | null;
  lastUpdate: string | null;
  ageDays: number | null;
  resourceCount: number | null;
  status: "ok" | "failed" | "in-progress" | "unknown";
}

export interface Operations {
  upPreview(req: UpRequest, ctx: OperationsContext): Promise<UpResult>;
  destroyPreview(ref: PreviewRef, ctx: OperationsContext): Promise<{ stack: string; existed: boolean }>;
  listPreviews(ctx: OperationsContext): Promise<PreviewSummary[]>;
}
