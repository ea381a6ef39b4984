import * as crypto from "crypto";
import { HttpError, fieldError } from "./errors";

/**
 * Cursor pagination. Cursors are opaque to clients; inside they hold an offset and a fingerprint
 * of the list they belong to, so a cursor replayed against another list or filter is refused.
 */

export interface Page<T> {
  items: T[];
  size: number;
  nextCursor: string | null;
  prevCursor: string | null;
}

function fingerprint(listKey: string): string {
  return crypto.createHash("sha256").update(listKey).digest("base64url").slice(0, 10);
}

function encode(listKey: string, offset: number): string {
  return Buffer.from(JSON.stringify({ l: fingerprint(listKey), o: offset })).toString("base64url");
}

function decode(cursor: string, listKey: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  const value = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (typeof value.o !== "number" || !Number.isInteger(value.o) || value.o < 0) {
    throw new HttpError(
      400,
      "The page[cursor] value is not a cursor this API issued; pass meta.next_cursor from the previous page.",
    );
  }
  if (value.l !== fingerprint(listKey)) {
    throw new HttpError(
      400,
      "The page[cursor] value belongs to another list or filter; keep the same path and filters while paging.",
    );
  }
  return value.o;
}

export function pageSizeOf(query: Record<string, string>, defaultSize: number, maxSize: number): number {
  const raw = query["page[size]"];
  if (raw === undefined) return defaultSize;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw fieldError("page[size]", "The page[size] field must be an integer of at least 1.");
  return Math.min(Number(raw), maxSize);
}

export function paginate<T>(items: T[], query: Record<string, string>, listKey: string, size: number): Page<T> {
  const cursor = query["page[cursor]"];
  const offset = cursor === undefined || cursor === "" ? 0 : decode(cursor, listKey);
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    size,
    nextCursor: end < items.length ? encode(listKey, end) : null,
    prevCursor: offset > 0 ? encode(listKey, Math.max(0, offset - size)) : null,
  };
}
