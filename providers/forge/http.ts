import type { AxiosStatic } from "axios";
import type { HeaderBag } from "./retry-timing";

/** One HTTP exchange through axios, reduced to plain data so nothing of axios's config escapes. */

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type HttpOutcome =
  | { kind: "response"; status: number; headers: HeaderBag; bodyText: string }
  | { kind: "transport"; code: string | null; message: string; timedOut: boolean };

/** Loaded on the first request: the Pulumi program imports this client with every resource but never calls Forge. */
let loadedAxios: AxiosStatic | undefined;

export async function sendHttp(request: HttpRequest): Promise<HttpOutcome> {
  loadedAxios ??= (require("axios") as { default: AxiosStatic }).default;
  try {
    const response = await loadedAxios.request<string>({
      method: request.method,
      url: request.url,
      headers: request.headers,
      data: request.body,
      timeout: request.timeoutMs,
      responseType: "text",
      // Status handling, JSON parsing and redirects are ours: a followed redirect could carry the token away.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
    return {
      kind: "response",
      status: response.status,
      headers: flattenHeaders(response.headers),
      bodyText: typeof response.data === "string" ? response.data : "",
    };
  } catch (error) {
    // The axios error is deliberately dropped: its `config` holds the Authorization header and the body.
    const code = readStringProperty(error, "code");
    return {
      kind: "transport",
      code,
      message: readStringProperty(error, "message") ?? "the request failed without an HTTP response",
      timedOut: code === "ECONNABORTED" || code === "ETIMEDOUT",
    };
  }
}

function flattenHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== "object" || headers === null) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") out[name.toLowerCase()] = value;
    else if (typeof value === "number") out[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(", ");
  }
  return out;
}

function readStringProperty(value: unknown, key: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  const property: unknown = Reflect.get(value, key);
  return typeof property === "string" ? property : null;
}
