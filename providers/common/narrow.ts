/** Narrowing for JSON of unknown shape (API bodies, webhook payloads, CLI output, hidden comment state). */
import { UserError } from "./user-error";

/** `value` with only `fields`, so what is kept (in state, say) holds no property beyond them. */
export function onlyFields<T, K extends keyof T>(value: T, fields: readonly K[]): Pick<T, K> {
  return Object.fromEntries(fields.map((field) => [field, value[field]])) as Pick<T, K>;
}

/** True for a plain JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a dotted path, failing with the path named so a malformed payload says which field is wrong. */
export function pick(value: unknown, path: string, what: string): unknown {
  let current: unknown = value;
  for (const key of path.split(".")) {
    if (!isRecord(current)) throw new UserError(`${what}: \`${path}\` is missing (no object at \`${key}\`).`);
    current = current[key];
  }
  return current;
}

export function pickString(value: unknown, path: string, what: string): string {
  const found = pick(value, path, what);
  if (typeof found !== "string") throw new UserError(`${what}: \`${path}\` must be a string, not ${typeof found}.`);
  return found;
}

export function pickNumber(value: unknown, path: string, what: string): number {
  const found = pick(value, path, what);
  if (typeof found !== "number" || !Number.isFinite(found))
    throw new UserError(`${what}: \`${path}\` must be a number, not ${typeof found}.`);
  return found;
}

/** Like `pick`, but a missing or null field gives null instead of an error. */
export function pickOptional(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split(".")) {
    if (!isRecord(current)) return null;
    current = current[key];
  }
  return current ?? null;
}
