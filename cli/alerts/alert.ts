/**
 * What operators are told, whatever the channel: one alert says what happened, where (app, PR, stack, server, the
 * run) and the next step. Alerts group by kind and app (or by kind and subject for alerts about no app: a server,
 * the sweep), so repeated failures of one kind on one app land in one place; within a group each subject (a stack,
 * the app repository for the breaker, a server) opens and closes on its own.
 */

export type AlertKind =
  | "breaker-paused"
  | "creation-failed"
  | "deployment-failed"
  | "certificate-failed"
  | "server-over-floor"
  | "sweep-failed";

export interface Alert {
  kind: AlertKind;
  /** The app, or null for an alert about no one app (a server, the sweep). */
  app: string | null;
  /** What opens and closes: a stack, a repository for the breaker, a server, `sweep`. */
  subject: string;
  /** One line: what happened. */
  what: string;
  /** Where, as `label: value` pairs in order (PR, stack, server); values may be URLs. */
  where: Array<[string, string]>;
  /** The workflow run that saw it; null outside Actions. */
  runUrl: string | null;
  /** What the operator does next. */
  next: string;
  /** A log excerpt, already cut to size; redacted again on the way out. */
  details?: string;
}

/** The end of an alert: a later success, the breaker resumed, a server back under its floors. */
export interface Resolution {
  kind: AlertKind;
  app: string | null;
  subject: string;
  /** One line: what ended it. */
  what: string;
  runUrl: string | null;
}

const HEADINGS: Record<AlertKind, { icon: string; title: string }> = {
  "breaker-paused": { icon: "⏸️", title: "Preview deployments paused" },
  "creation-failed": { icon: "🔴", title: "Preview creation failed" },
  "deployment-failed": { icon: "🔴", title: "Preview deployment failed" },
  "certificate-failed": { icon: "🔒", title: "Preview certificate failed" },
  "server-over-floor": { icon: "📈", title: "Server over a capacity floor" },
  "sweep-failed": { icon: "🧹", title: "Preview sweep failed" },
};

/** The group an alert belongs to: one GitHub issue each. */
export function groupKey(alert: Pick<Alert, "kind" | "app" | "subject">): string {
  return alert.app === null ? `${alert.kind}:${alert.subject}` : `${alert.kind}:app:${alert.app}`;
}

export function groupTitle(alert: Pick<Alert, "kind" | "app" | "subject">): string {
  const { icon, title } = HEADINGS[alert.kind];
  return `${icon} forge-previews: ${title} (${alert.app === null ? alert.subject : `app ${alert.app}`})`;
}

/** The alert as Markdown that reads the same as Slack mrkdwn: no tables, links as bare URLs. */
export function renderAlert(alert: Alert): string {
  const { icon, title } = HEADINGS[alert.kind];
  const where = [...(alert.app === null ? [] : [["app", alert.app]]), ...alert.where, ["run", alert.runUrl ?? "-"]]
    .map(([label, value]) => `${label} ${value}`)
    .join(", ");
  return [
    `${icon} *${title}*: ${alert.what}`,
    `Where: ${where}`,
    `Next: ${alert.next}`,
    ...(alert.details ? ["```", alert.details.replace(/```/g, "'''"), "```"] : []),
  ].join("\n");
}

export function renderResolution(resolution: Resolution): string {
  const title = resolution.kind === "breaker-paused" ? "Preview deployments resumed" : "Resolved";
  const run = resolution.runUrl ? ` (run ${resolution.runUrl})` : "";
  return `✅ *${title}*: ${resolution.what}${run}`;
}
