/**
 * A Slack-compatible incoming webhook on 127.0.0.1: records every post's JSON body and answers with `status`, so
 * tests see what operators would have been told and how a broken webhook is survived.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeWebhook {
  /** The URL to post to; its path stands in for the secret part of a real webhook URL. */
  url: string;
  /** The `text` of every post, in order. */
  texts: string[];
  /** What the next posts are answered with. */
  status: number;
  close(): Promise<void>;
}

export async function startFakeWebhook(): Promise<FakeWebhook> {
  const webhook: FakeWebhook = { url: "", texts: [], status: 200, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: unknown };
      webhook.texts.push(typeof body.text === "string" ? body.text : JSON.stringify(body));
      res.writeHead(webhook.status, { "content-type": "text/plain" });
      res.end(webhook.status === 200 ? "ok" : "internal error");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  webhook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/hook-secret-0123456789`;
  webhook.close = () =>
    new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return webhook;
}
