/**
 * What the GitHub glue needs from the operations layer (`cli/operations.ts`), as a port: the command handlers receive
 * these functions instead of importing them, so tests drive them with recording fakes and the real CLI passes the
 * module itself. The types are the operations layer's own (a type-only import: nothing of it loads here).
 */
import type { OperationsContext, PreviewRef, PreviewSummary, UpRequest, UpResult } from "../operations";
import type { HeadroomCheck } from "../status/headroom";

export type { HeadroomCheck, OperationsContext, PreviewRef, PreviewSummary, UpRequest, UpResult };

export interface Operations {
  upPreview(req: UpRequest, ctx: OperationsContext): Promise<UpResult>;
  destroyPreview(ref: PreviewRef, ctx: OperationsContext): Promise<{ stack: string; existed: boolean }>;
  listPreviews(ctx: OperationsContext): Promise<PreviewSummary[]>;
  /** Whether the server has room for a new preview of `ref`; null when none is needed (it exists, or no floor). */
  checkHeadroom(ref: PreviewRef, ctx: OperationsContext): Promise<HeadroomCheck | null>;
}
