/**
 * Alerts for operators (issue #17): each one goes to every configured channel, the GitHub issue of its group in
 * `alerts.issueRepository` and the Slack-compatible webhook `FORGE_PREVIEWS_ALERT_WEBHOOK`. Everything is redacted
 * before it leaves, and a channel that fails costs a warning in the log, never the operation that raised the alert.
 *
 * Other code raises alerts through `Alerts` (e.g. `alerts.alert(serverOverFloorAlert(…))`); `NO_ALERTS` stands in
 * when nothing is configured.
 */
import type { PlainConfig } from "../../stacks/config-rules";
import { parseRepoRef } from "../github/event";
import { createGitHubClient, createRepoApi } from "../github/github-api";
import type { Redactor } from "../github/redactor";
import { type CommandIo, warningLogger } from "../github/workflow-io";
import { type Alert, type Resolution, renderAlert, renderResolution } from "./alert";
import { ALERT_ENV } from "./env";
import { IssueChannel, createAlertIssueApi } from "./issue-channel";
import { WebhookChannel, webhookUrlProblem } from "./webhook-channel";

export interface Alerts {
  /** False when no channel is configured, so callers skip the look-ups an alert needs. */
  readonly enabled: boolean;
  alert(alert: Alert): Promise<void>;
  /**
   * Ends an alert. The issue channel closes the subject only when it is open there; the webhook, which keeps no
   * record, hears of it when the caller knows it was alerted (`announce`) or the issue channel found it open.
   */
  resolve(resolution: Resolution, options?: { announce?: boolean }): Promise<void>;
}

export const NO_ALERTS: Alerts = {
  enabled: false,
  alert: () => Promise.resolve(),
  resolve: () => Promise.resolve(),
};

/** Every string of `value` through `redact`, so no field of an alert can carry a secret out. */
function redactAll<T>(value: T, redact: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

export function createAlerts(input: {
  issues: IssueChannel | null;
  webhook: WebhookChannel | null;
  redactor: Redactor;
  /** One warning line to the log (an annotation in Actions); the caller redacts it. */
  warn(line: string): void;
}): Alerts {
  const { issues, webhook, redactor, warn } = input;
  if (!issues && !webhook) return NO_ALERTS;
  const guarded = async <T>(channel: string, fallback: T, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      warn(`alert not delivered to ${channel}: ${redactor.redact(why).split("\n")[0]}`);
      return fallback;
    }
  };
  return {
    enabled: true,
    async alert(raw) {
      const alert = redactAll(raw, (text) => redactor.redact(text));
      if (issues) await guarded(`the issue in ${issues.repository}`, undefined, () => issues.alert(alert));
      if (webhook) await guarded(ALERT_ENV.webhook, undefined, () => webhook.post(redactor.redact(renderAlert(alert))));
    },
    async resolve(raw, options = {}) {
      const resolution = redactAll(raw, (text) => redactor.redact(text));
      const wasOpen = issues
        ? await guarded(`the issue in ${issues.repository}`, false, () => issues.resolve(resolution))
        : false;
      if (webhook && (wasOpen || options.announce === true))
        await guarded(ALERT_ENV.webhook, undefined, () => webhook.post(redactor.redact(renderResolution(resolution))));
    },
  };
}

/**
 * The channels the configuration and the environment name: the issue channel when `alerts.issueRepository` is set
 * (with `FORGE_PREVIEWS_ALERT_TOKEN`, else the run's `GITHUB_TOKEN`), the webhook when its secret is set.
 */
export function alertsFromEnv(io: CommandIo, config: PlainConfig["alerts"], redactor: Redactor): Alerts {
  const { env } = io;
  const warn = warningLogger(io, redactor);
  let issues: IssueChannel | null = null;
  if (config.issueRepository !== null) {
    const token = env[ALERT_ENV.token] || env.GITHUB_TOKEN || "";
    if (token === "") {
      warn(`alerts.issueRepository is set but neither ${ALERT_ENV.token} nor GITHUB_TOKEN is; alerts go to no issue.`);
    } else {
      const client = createGitHubClient({
        token,
        baseUrl: env.GITHUB_API_URL || "https://api.github.com",
        retryBaseMs: io.retryBaseMs,
      });
      const repo = createRepoApi(client, parseRepoRef(config.issueRepository));
      issues = new IssueChannel(createAlertIssueApi(client, repo), io.now);
    }
  }
  let webhook: WebhookChannel | null = null;
  const url = env[ALERT_ENV.webhook] ?? "";
  if (url !== "") {
    const problem = webhookUrlProblem(url);
    if (problem) warn(`${ALERT_ENV.webhook} ${problem}; alerts go to no webhook.`);
    else webhook = new WebhookChannel(url);
  }
  return createAlerts({ issues, webhook, redactor, warn });
}
