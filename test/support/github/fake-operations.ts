/** Operations that record their calls and answer as a test tells them, in place of Pulumi. */
import type {
  HeadroomCheck,
  Operations,
  OperationsContext,
  PreviewRef,
  PreviewSummary,
  UpRequest,
  UpResult,
} from "../../../cli/github/operations-port";

export type OperationCall =
  | { op: "upPreview"; req: UpRequest }
  | { op: "destroyPreview"; ref: PreviewRef }
  | { op: "listPreviews" }
  | { op: "checkHeadroom"; ref: PreviewRef };

export class FakeOperations implements Operations {
  readonly calls: OperationCall[] = [];
  previews: PreviewSummary[] = [];
  /** Progress lines each operation reports before it finishes. */
  progress: string[] = [];
  upOutcome: UpResult | Error = {
    stack: "pr-12",
    outputs: {},
    timings: [],
    changes: {},
  };
  destroyOutcome: { stack: string; existed: boolean } | Error = { stack: "pr-12", existed: true };
  /** What checkHeadroom answers: null (no check applies) unless a test measures for real. */
  headroom: (ref: PreviewRef, ctx: OperationsContext) => Promise<HeadroomCheck | null> = async () => null;
  /** An error `listPreviews` throws instead of answering, as when the backend cannot be read. */
  listError: Error | null = null;

  async upPreview(req: UpRequest, ctx: OperationsContext): Promise<UpResult> {
    this.calls.push({ op: "upPreview", req });
    for (const line of this.progress) ctx.onProgress?.(line);
    if (this.upOutcome instanceof Error) throw this.upOutcome;
    return this.upOutcome;
  }

  async destroyPreview(ref: PreviewRef, ctx: OperationsContext): Promise<{ stack: string; existed: boolean }> {
    this.calls.push({ op: "destroyPreview", ref });
    for (const line of this.progress) ctx.onProgress?.(line);
    if (this.destroyOutcome instanceof Error) throw this.destroyOutcome;
    return this.destroyOutcome;
  }

  async checkHeadroom(ref: PreviewRef, ctx: OperationsContext): Promise<HeadroomCheck | null> {
    this.calls.push({ op: "checkHeadroom", ref });
    return this.headroom(ref, ctx);
  }

  async listPreviews(): Promise<PreviewSummary[]> {
    this.calls.push({ op: "listPreviews" });
    if (this.listError) throw this.listError;
    return this.previews;
  }
}

export function summary(overrides: Partial<PreviewSummary> & { stack: string; pr: number }): PreviewSummary {
  return {
    app: "customer",
    branch: `feature/${overrides.pr}`,
    url: `https://${overrides.stack}.preview.acme.test`,
    createdAt: "2025-03-01T00:00:00.000Z",
    lastUpdate: "2025-03-01T00:00:00.000Z",
    ageDays: 3,
    resourceCount: 12,
    status: "ok",
    commit: null,
    ...overrides,
  };
}
