/** A value that survives `Struct.fromJavaScript` and JSON unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Returns a copy of `value` that the dynamic-provider host can put on the wire.
 *
 * `undefined` becomes `null`, both as an object value and as an array element: the key is kept so an output the
 * resource declared (`{ ...args, siteId: undefined }`) is recorded as "known to be empty" instead of vanishing.
 * The host's `Struct.fromJavaScript` throws "Unexpected struct type." on `undefined`, functions and Buffers, and
 * silently turns a Date into `{}` (pulumi/pulumi#2205, #7576), so those are rejected here with the property path
 * instead. Values are never quoted in the error: they may be secrets.
 */
export function toJsonSafe(value: unknown, label = "value"): JsonValue {
  return convert(value, label, new Set<object>());
}

/** Like {@link toJsonSafe}, for the top-level object a provider method returns (`outs`, `props`, `inputs`). */
export function toJsonSafeObject(value: unknown, label = "value"): JsonObject {
  const safe = toJsonSafe(value, label);
  if (safe === null || typeof safe !== "object" || Array.isArray(safe)) {
    throw new TypeError(`\`${label}\` must be a plain object, got ${describeKind(value)}`);
  }
  return safe;
}

function convert(value: unknown, path: string, ancestors: Set<object>): JsonValue {
  if (value === undefined || value === null) {
    return null;
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`\`${path}\` is ${String(value)}, which JSON cannot carry; return null or a finite number`);
      }
      return value;
    case "bigint":
      throw new TypeError(`\`${path}\` is a bigint; convert it to a string or a safe integer before returning it`);
    case "function":
    case "symbol":
      throw new TypeError(`\`${path}\` is a ${typeof value}; only JSON data can be returned from a dynamic provider`);
  }
  const object = value as object;
  if (ancestors.has(object)) {
    throw new TypeError(`\`${path}\` refers back to one of its parents; return a tree, not a cyclic graph`);
  }
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item: unknown, index) => convert(item, `${path}[${index}]`, ancestors));
    }
    if (!isPlainObject(object)) {
      throw new TypeError(`\`${path}\` is ${describeKind(object)}; ${fixFor(object)}`);
    }
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(object)) {
      result[key] = convert(item, `${path}.${key}`, ancestors);
    }
    return result;
  } finally {
    ancestors.delete(object);
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (Buffer.isBuffer(value)) return "a Buffer";
  if (typeof value === "object") {
    const name = value.constructor?.name;
    return name ? `an instance of ${name}` : "an object";
  }
  return `a ${typeof value}`;
}

function fixFor(value: object): string {
  if (value instanceof Date) return "convert it with toISOString() (the host would silently store `{}`)";
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return "encode it as a base64 or utf-8 string";
  if (value instanceof Map) return "convert it with Object.fromEntries()";
  if (value instanceof Set) return "convert it with Array.from()";
  return "copy the fields you need into a plain object";
}
