import type { IncomingMessage, ServerResponse } from "http";
import { HttpError } from "./errors";

/** Upper bound on request bodies; Forge's largest bodies (a `.env`, a deployment script) are far smaller. */
const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES
        ? reject(new HttpError(413, "The request body is larger than 1 MiB."))
        : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}

/** Parses a JSON object body; an empty body is `{}`, as Laravel treats it. */
export function parseJsonObject(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(
      400,
      "The request body is not valid JSON; send `Content-Type: application/json` with a JSON object.",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { ...headers, "Content-Length": "0" });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  // Forge answers successes as JSON:API and errors as plain JSON.
  const type = status < 400 ? "application/vnd.api+json" : "application/json";
  res.writeHead(status, { ...headers, "Content-Type": type, "Content-Length": String(Buffer.byteLength(text)) });
  res.end(text);
}
