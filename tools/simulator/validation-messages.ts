import type { ErrorObject } from "ajv";

/**
 * Turns JSON Schema errors into Laravel's validation messages, keyed the way Laravel keys them
 * (`credentials.0.username`). Each message also names the contract's reason (allowed values,
 * pattern, limit), which Forge does not do, so a failing client test says what to fix.
 */

function label(field: string): string {
  return field.replace(/_/g, " ");
}

function article(type: string): string {
  switch (type) {
    case "integer":
      return "an integer";
    case "boolean":
      return "true or false";
    case "array":
      return "an array";
    case "object":
      return "an object";
    case "number":
      return "a number";
    default:
      return `a ${type}`;
  }
}

function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "required") segments.push(String(error.params.missingProperty));
  return segments.join(".");
}

function messageFor(error: ErrorObject, field: string): string | null {
  const name = label(field);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `The ${name} field is required.`;
    case "enum": {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String).join(", ") : "";
      return `The selected ${name} is invalid; the contract allows: ${allowed}.`;
    }
    case "const":
      return `The selected ${name} is invalid; the contract allows: ${String(params.allowedValue)}.`;
    case "type": {
      const types = String(params.type)
        .split(",")
        .filter((type) => type !== "null");
      return `The ${name} field must be ${article(types[0] ?? "null")}.`;
    }
    case "maxLength":
      return `The ${name} field must not be greater than ${String(params.limit)} characters.`;
    case "minLength":
      return `The ${name} field must be at least ${String(params.limit)} characters.`;
    case "pattern":
      return `The ${name} field format is invalid; the contract requires the pattern ${String(params.pattern)}.`;
    case "format":
      return `The ${name} field must be a valid ${String(params.format)}.`;
    case "minimum":
      return `The ${name} field must be at least ${String(params.limit)}.`;
    case "maximum":
      return `The ${name} field must not be greater than ${String(params.limit)}.`;
    case "minItems":
      return `The ${name} field must have at least ${String(params.limit)} items.`;
    case "maxItems":
      return `The ${name} field must not have more than ${String(params.limit)} items.`;
    case "anyOf":
    case "oneOf":
      return null;
    default:
      return `The ${name} field is invalid (${error.message ?? error.keyword}).`;
  }
}

export function laravelErrors(errors: ErrorObject[], prefix = ""): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const error of errors) {
    const inner = fieldOf(error);
    const field = prefix === "" ? inner : inner === "" ? prefix : `${prefix}.${inner}`;
    const message = messageFor(error, field);
    if (message === null) continue;
    const list = (result[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  // A value that fails every branch of an anyOf only reports the branches' errors; keep one.
  for (const error of errors) {
    if (error.keyword !== "anyOf" && error.keyword !== "oneOf") continue;
    const field = fieldOf(error);
    if (!(field in result)) result[field] = [`The ${label(field)} field is invalid.`];
  }
  for (const key of Object.keys(result)) {
    if (result[key].length > 1 && result[key].every((message) => message.includes(" must be "))) {
      result[key] = [result[key][0]];
    }
  }
  return result;
}
