/**
 * An HTTP answer other than success, raised anywhere in the request pipeline and turned into a
 * response by the server. Bodies follow Forge: `{message}` for most codes, `{message, errors}` for 422.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, string[]> | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  body(): Record<string, unknown> {
    return this.errors === null ? { message: this.message } : { message: this.message, errors: this.errors };
  }
}

/** Laravel's 422: the message is the first field error, plus a count of the others. */
export function validationError(errors: Record<string, string[]>): HttpError {
  const messages = Object.values(errors).flat();
  const others = messages.length - 1;
  const suffix = others > 0 ? ` (and ${others} more error${others === 1 ? "" : "s"})` : "";
  return new HttpError(422, `${messages[0] ?? "The given data was invalid."}${suffix}`, errors);
}

export function fieldError(field: string, message: string): HttpError {
  return validationError({ [field]: [message] });
}

export function notFound(what: string): HttpError {
  return new HttpError(404, `No query results for ${what}.`);
}
