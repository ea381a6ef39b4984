import * as crypto from "crypto";
import { HttpError } from "./errors";

/** Compares bearer tokens in constant time so the check leaks nothing about the expected token. */
export function authenticate(header: string | undefined, token: string): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const given = crypto
    .createHash("sha256")
    .update(match?.[1] ?? "")
    .digest();
  const expected = crypto.createHash("sha256").update(token).digest();
  if (match === null || !crypto.timingSafeEqual(given, expected)) throw new HttpError(401, "Unauthenticated.");
}

/** 403 naming the first scope the token lacks; null scopes mean the token may do everything. */
export function authorize(required: string[], scopes: string[] | null): void {
  if (scopes === null) return;
  const missing = required.find((scope) => !scopes.includes(scope));
  if (missing !== undefined)
    throw new HttpError(403, `This action is unauthorized: the token lacks the \`${missing}\` scope.`);
}
