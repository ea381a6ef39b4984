import { inspect } from "util";
import {
  ForgeApiError,
  ForgeAuthError,
  ForgeError,
  ForgeNetworkError,
  ForgeNotFoundError,
  ForgeRateLimitError,
  ForgeServerError,
  ForgeValidationError,
  REDACTED,
  createForgeError,
  readFieldErrors,
  type ForgeFailure,
} from "../../../../providers/forge";

const TOKEN = "tok_live_8f2b1c9d7e6a";

function response(status: number, body: unknown, extra: Partial<ForgeFailure> = {}): ForgeError {
  return createForgeError({
    kind: "response",
    status,
    method: "POST",
    path: "/orgs/acme/servers/1/sites",
    body,
    headers: {},
    operation: "organizations.servers.sites.store",
    nowMs: 0,
    secrets: [TOKEN],
    ...extra,
  } as ForgeFailure);
}

describe("createForgeError", () => {
  it.each([
    [400, ForgeApiError, "api"],
    [401, ForgeAuthError, "auth"],
    [403, ForgeAuthError, "auth"],
    [404, ForgeNotFoundError, "not-found"],
    [409, ForgeApiError, "api"],
    [422, ForgeValidationError, "validation"],
    [429, ForgeRateLimitError, "rate-limit"],
    [500, ForgeServerError, "server"],
    [503, ForgeServerError, "server"],
  ])("maps %p to %p", (status, errorClass, kind) => {
    const error = response(status, { message: "Nope." });
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(ForgeApiError);
    expect(error).toBeInstanceOf(ForgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(errorClass.name);
    expect(error.kind).toBe(kind);
    expect(Object.keys(error)).not.toContain("message");
  });

  it("leads a 422 message with the first field error and keeps every field error", () => {
    const error = response(422, {
      message: "The name field is required. (and 1 more error)",
      errors: { name: ["The name field is required."], type: ["The selected type is invalid."] },
    });
    expect(error.message).toBe("`POST /orgs/acme/servers/1/sites` failed with 422: The name field is required");
    expect((error as ForgeValidationError).fieldErrors).toStrictEqual({
      name: ["The name field is required."],
      type: ["The selected type is invalid."],
    });
  });

  it("reads a bare field map as field errors too", () => {
    expect(readFieldErrors({ name: ["Taken."] })).toStrictEqual({ name: ["Taken."] });
    expect(readFieldErrors("<html>")).toStrictEqual({});
  });

  it("names the scope a 403 is missing, from the operation table", () => {
    const error = response(403, { message: "This action is unauthorized." });
    expect(error.message).toBe(
      "`POST /orgs/acme/servers/1/sites` failed with 403: This action is unauthorized. The token needs the `site:create` scope",
    );
    expect((error as ForgeAuthError).requiredScopes).toStrictEqual(["site:create"]);
  });

  it("says what to check on a 401", () => {
    expect(response(401, { message: "Unauthenticated." }).message).toBe(
      "`POST /orgs/acme/servers/1/sites` failed with 401: Unauthenticated. Check that the Forge API token is valid and has not expired",
    );
  });

  it("keeps a proxy's plain-text body short and on one line", () => {
    const error = response(502, `<html>\n  <body>Bad gateway</body>\n</html>${"x".repeat(500)}`);
    expect(error.message).toMatch(/^`POST \/orgs\/acme\/servers\/1\/sites` failed with 502: <html> <body>Bad gateway/);
    expect(error.message.length).toBeLessThan(300);
  });

  it("records the delay a 429 or 503 asked for", () => {
    expect((response(429, {}, { headers: { "retry-after": "3" } }) as ForgeApiError).retryAfterMs).toBe(3000);
    expect((response(503, {}, { headers: { "retry-after": "9" } }) as ForgeApiError).retryAfterMs).toBe(9000);
    expect((response(500, {}, { headers: { "retry-after": "9" } }) as ForgeApiError).retryAfterMs).toBeNull();
  });

  it("reads X-RateLimit-Reset only on a 429, since Forge sends it on every response", () => {
    const headers = { "x-ratelimit-reset": "30" };
    expect((response(429, {}, { headers }) as ForgeApiError).retryAfterMs).toBe(30_000);
    expect((response(503, {}, { headers }) as ForgeApiError).retryAfterMs).toBeNull();
  });

  it("removes the token and declared secrets from the body and message", () => {
    const error = response(
      422,
      { message: `Bad token ${TOKEN}`, errors: { password: ["hunter2-secret is weak"] } },
      {
        secrets: [TOKEN, "hunter2-secret"],
      },
    );
    const printed = `${error.message} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`;
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain("hunter2-secret");
    expect(printed).toContain(REDACTED);
  });

  it("keeps only the transport's code and message as cause of a network error", () => {
    const error = createForgeError({
      kind: "transport",
      method: "GET",
      path: "/orgs/acme/servers",
      code: "ECONNREFUSED",
      message: `connect ECONNREFUSED 127.0.0.1:1 (Bearer ${TOKEN})`,
      timedOut: false,
      timeoutMs: 1000,
      secrets: [TOKEN],
    }) as ForgeNetworkError;
    expect(error).toBeInstanceOf(ForgeNetworkError);
    expect(error.code).toBe("ECONNREFUSED");
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object)).toStrictEqual(["code"]);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
  });
});
