/**
 * The alert channels' secrets, as the workflows pass them. Both are credentials of this process only: the redactor
 * masks them and no `pulumi` child gets them.
 */
export const ALERT_ENV = {
  /** A Slack-compatible incoming webhook's URL (the URL alone authorizes a post). */
  webhook: "FORGE_PREVIEWS_ALERT_WEBHOOK",
  /** Issues read and write on `alerts.issueRepository` when the run's own token cannot reach it. */
  token: "FORGE_PREVIEWS_ALERT_TOKEN",
} as const;
