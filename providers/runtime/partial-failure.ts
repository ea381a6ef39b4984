import { type JsonObject, toJsonSafeObject } from "./json-safe";

/**
 * Thrown from `create`/`update` when the remote object exists but did not finish initialising. The dynamic-provider
 * host sees `id` on the error and answers with `ErrorResourceInitFailed`, so the engine records the object in state
 * as a partial failure (and can delete or retry it) instead of forgetting an object that exists (pulumi/pulumi#1590).
 */
export class PartialFailureError extends Error {
  override readonly name = "PartialFailureError";
  /** The id of the object that was created; the host only treats the error as a partial failure when it is set. */
  readonly id: string;
  /** The outputs to record in state; must be JSON-safe because the host encodes them with `Struct.fromJavaScript`. */
  properties: JsonObject;
  /** Shown by the engine as the reasons the object failed to initialise. */
  readonly reasons: string[];

  constructor(id: string, properties: JsonObject, message: string, cause: unknown) {
    super(message, { cause });
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}

/**
 * Builds the error to throw when `id` was created but a later step failed. `properties` are the outputs known so far
 * (made JSON-safe here); `cause` supplies the message, so it must not carry secrets.
 */
export function partialFailure(id: string, properties: object, cause: unknown): PartialFailureError {
  if (id === "") {
    throw new TypeError(
      "partialFailure needs the id of the object that was created; without one, throw `cause` itself",
    );
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new PartialFailureError(id, toJsonSafeObject(properties, "properties"), message, cause);
}

/** Narrows anything thrown to a partial failure as the host recognises it (an object with a non-empty `id`). */
export function isPartialFailure(error: unknown): error is Error & { id: string; properties?: unknown } {
  if (!(error instanceof Error)) return false;
  const id: unknown = Reflect.get(error, "id");
  return typeof id === "string" && id !== "";
}
