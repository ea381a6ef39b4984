/**
 * The webhook channel: a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's `/slack`
 * endpoint) gets each alert and resolution as `{ "text": … }`. The URL is a secret (it alone authorizes a post), so
 * it comes from the environment, is masked like the other secrets, and no message ever names it.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Why the URL cannot be used, in words that never repeat it; null when it can. */
export function webhookUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  // Plain http only to this machine, where a test or a local relay listens; anything else would send it in the clear.
  if (url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "[::1]"].includes(url.hostname)))
    return null;
  return "must be an https URL";
}

export class WebhookChannel {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {}

  async post(text: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // fetch's own messages may carry the address; only the kind of failure is kept.
      const cause = error instanceof Error && error.name === "TimeoutError" ? "no answer in time" : "no connection";
      throw new Error(`the webhook could not be reached (${cause})`);
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
  }
}
