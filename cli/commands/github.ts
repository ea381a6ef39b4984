/**
 * `forge-previews github`: handles the event that started the workflow. It reads the payload GitHub wrote
 * (`GITHUB_EVENT_PATH`), the project config (`FORGE_PREVIEWS_CONFIG`) and the repository's app, then hands the event
 * to its handler with every effect wired to the real services.
 */
import { readFile } from "node:fs/promises";
import { UserError } from "../../providers/common/user-error";
import { alertsFromEnv } from "../alerts/alerts";
import { parseFlags } from "../args";
import { parseCommentCommand } from "../github/comment-commands";
import { parseEvent } from "../github/event";
import { createRepoApi } from "../github/github-api";
import { handlePullRequestClosed } from "../github/handle-closed";
import { handleComment } from "../github/handle-comment";
import { handlePullRequestUpdated } from "../github/handle-updated";
import { type HandlerContext, runUrlFromEnv } from "../github/handler-context";
import { readProjectConfig, resolveAppForRepository } from "../github/project-config";
import { workflowDepsFor } from "../github/workflow-deps";
import { type WorkflowCommandDeps, createClientFromEnv, runReported, summaryWriter } from "../github/workflow-io";
import type { CliIo } from "../output";

export const summary = "handle the GitHub event of a workflow run (PR comment commands, pushes, closed PRs)";

export const usage = `Usage: forge-previews github [--event-path <file>] [--event-name <name>] [--app <app>]

Handles the GitHub event that started the workflow: PR comments (/preview, /update, /destroy), pushes to a PR with
a preview (synchronize, reopened) and closed PRs.
  --event-path  the webhook payload (default: $GITHUB_EVENT_PATH)
  --event-name  issue_comment or pull_request (default: $GITHUB_EVENT_NAME)
  --app         the app of this repository (default: $FORGE_PREVIEWS_APP, else the app whose repository matches)
Needs GITHUB_TOKEN, FORGE_PREVIEWS_CONFIG and the secrets the operations use (FORGE_TOKEN, FORGE_PREVIEWS_SSH_PRIVATE_KEY, ...).
Alerts (optional): \`alerts.issueRepository\` in the config, FORGE_PREVIEWS_ALERT_WEBHOOK and FORGE_PREVIEWS_ALERT_TOKEN.`;

const FLAGS = { "event-path": { type: "string" }, "event-name": { type: "string" }, app: { type: "string" } } as const;

async function readPayload(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UserError(
      `Cannot read the event payload ${path} (${error instanceof Error ? error.message : String(error)}); pass --event-path or run inside a workflow.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`The event payload ${path} is not JSON.`);
  }
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runGithubCommand(argv, workflowDepsFor(io));
}

/** The command with its services passed in, so tests can run it against a stub GitHub and fake operations. */
export function runGithubCommand(argv: string[], deps: WorkflowCommandDeps): Promise<number> {
  return runReported(deps, "github", async (redactor) => {
    const values = parseFlags(argv, FLAGS);
    const eventPath = values["event-path"] ?? deps.env.GITHUB_EVENT_PATH;
    const eventName = values["event-name"] ?? deps.env.GITHUB_EVENT_NAME;
    if (!eventPath || !eventName)
      throw new UserError(`No event given: pass --event-path and --event-name (or run inside a workflow).\n\n${usage}`);
    const event = parseEvent(eventName, await readPayload(eventPath));
    const log = (line: string) => deps.out(redactor.redact(line));
    if (event.kind === "ignored") {
      log(`github: nothing to do: ${event.reason}`);
      return 0;
    }
    // The gate job approved a command by its line shape; when CommonMark says otherwise its queued note is replaced.
    const gated = deps.env.FORGE_PREVIEWS_GATE === "approved";
    if (
      event.kind === "comment" &&
      (event.author.isBot || (parseCommentCommand(event.body).kind === "none" && !gated))
    ) {
      // Most comments are conversation: they need no config, no token and no Pulumi.
      log(
        `github: nothing to do: ${event.author.isBot ? `comment by the bot ${event.author.login}` : "no command in the comment"}`,
      );
      return 0;
    }
    if (event.kind !== "comment" && event.isFork) {
      // Checked before the config: a fork PR's `pull_request` run gets no secrets, and it has no preview anyway.
      log(`github: PR #${event.pr} comes from a fork and has no preview`);
      return 0;
    }
    const config = readProjectConfig(deps.env);
    const target = resolveAppForRepository(
      config,
      event.repo.fullName,
      values.app ?? deps.env.FORGE_PREVIEWS_APP ?? null,
    );
    const ctx: HandlerContext = {
      api: createRepoApi(createClientFromEnv(deps), event.repo),
      ops: deps.ops,
      opsContext: await deps.createOperationsContext(),
      config,
      target,
      redactor,
      runUrl: runUrlFromEnv(deps.env),
      gated,
      repoUrl: `${deps.env.GITHUB_SERVER_URL || "https://github.com"}/${event.repo.fullName}`,
      now: deps.now,
      log,
      writeSummary: summaryWriter(deps.env),
      alerts: alertsFromEnv(deps, config.alerts, redactor),
    };
    const result =
      event.kind === "comment"
        ? await handleComment(ctx, event)
        : event.kind === "pull-request-updated"
          ? await handlePullRequestUpdated(ctx, event)
          : await handlePullRequestClosed(ctx, event);
    log(`github: ${result.outcome}`);
    return result.exitCode;
  });
}
