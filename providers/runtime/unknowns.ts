/**
 * The string the engine puts in place of a value that is not known yet. During `pulumi preview` the dynamic
 * provider host receives it in `check` and `diff` inputs (never in create/update, which preview does not call).
 * Same value as `@pulumi/pulumi/runtime/rpc`'s `unknownValue`, which is internal API.
 */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` itself is the preview unknown. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_SENTINEL;
}

/** True when `value` is, or contains at any depth (arrays, object values), the preview unknown. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
