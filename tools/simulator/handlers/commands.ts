import { timeline, valuesAt } from "../async-clock";
import { fieldError } from "../errors";
import { resource, document, type JsonApiResource } from "../json-api";
import type { CommandRecord } from "../types";
import {
  SITE,
  getRoute,
  siteResource,
  need,
  sitePath,
  url,
  type RequestContext,
  type RouteDefinition,
} from "./context";
import { partial, listRoute, statusAt } from "./list";
import { stringField } from "./site-rules";

/** The user id the simulator reports for commands run through the API token. */
const API_USER_ID = 1;

function secondsBetween(lifecycle: CommandRecord["lifecycle"], now: number): string {
  const running = lifecycle.steps.find((step) => step.values.status === "running");
  const ended = lifecycle.steps.find(
    (step) => step.at <= now && step.values.status !== "running" && step.values.status !== "waiting",
  );
  if (running === undefined || running.at > now) return "0s";
  return `${Math.round(((ended?.at ?? now) - running.at) / 1000)}s`;
}

export function presentCommand(ctx: RequestContext, command: CommandRecord): JsonApiResource {
  return siteResource(ctx, "commands", command, `commands/${command.id}`, {
    command: command.command,
    status: valuesAt(command.lifecycle, ctx.now).status,
    duration: secondsBetween(command.lifecycle, ctx.now),
    user_id: command.userId,
  });
}

/** Forge answers a command with an empty 202; clients find it again by listing with a filter. */
function runCommand(ctx: RequestContext): { status: number } {
  const site = need(ctx.found.site, "site");
  const { now, services } = ctx;
  const text = stringField(ctx.body, "command");
  if (text === null || text.trim() === "") throw fieldError("command", "The command field is required.");
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  services.store.data.commands.push({
    id: services.store.nextId(),
    siteId: site.id,
    command: text,
    userId: API_USER_ID,
    // The simulator records commands but never runs them on this machine; the output says so.
    output: failed
      ? "The command failed with exit status 1 (fault injected by the simulator)."
      : "The Forge simulator recorded this command but does not execute commands.",
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(
      now,
      { status: "waiting" },
      [services.clock.duration("commandQueue"), { status: "running" }],
      [services.clock.duration("command"), { status: failed ? "failed" : "finished" }],
    ),
  });
  return { status: 202 };
}

export const commandRoutes: RouteDefinition[] = [
  { method: "post", template: `${SITE}/commands`, scope: "site:manage-commands", handler: runCommand },
  listRoute({
    template: `${SITE}/commands`,
    scope: "server:view",
    items: (ctx) => ctx.services.store.data.commands.filter((item) => item.siteId === need(ctx.found.site, "site").id),
    present: presentCommand,
    filters: {
      user_id: (command, value) => String(command.userId) === value,
      status: (command, value, ctx) => statusAt(command, ctx) === value,
      command: (command, value) => partial(command.command, value),
    },
    // Commands created in the same millisecond keep their creation order through the id.
    sorts: { status: statusAt, created_at: (command) => command.id, updated_at: (command) => command.updatedAt },
  }),
  getRoute(`${SITE}/commands/{command}`, "server:view", (ctx) =>
    presentCommand(ctx, need(ctx.found.command, "command")),
  ),
  {
    method: "get",
    template: `${SITE}/commands/{command}/output`,
    scope: "server:view",
    handler: (ctx) => {
      const command = need(ctx.found.command, "command");
      const site = need(ctx.found.site, "site");
      const status = valuesAt(command.lifecycle, ctx.now).status;
      const output = status === "finished" || status === "failed" ? command.output : "";
      return {
        status: 200,
        body: document(
          resource(
            "commandOutputs",
            command.id,
            { output },
            url(ctx, `${sitePath(ctx, site)}/commands/${command.id}/output`),
          ),
        ),
      };
    },
  },
];
