import { removeWith, settleWith } from "../agent";
import { extend, initialValues, timeline, valuesAt } from "../async-clock";
import { validationError } from "../errors";
import { iso, resource, document, type JsonApiResource } from "../json-api";
import type { BackgroundProcessRecord } from "../types";
import { SERVER, getRoute, beginRemoval, need, url, type RequestContext, type RouteDefinition } from "./context";
import { listRoute } from "./list";
import { stringField } from "./site-rules";

export function presentBackgroundProcess(
  ctx: RequestContext,
  process: BackgroundProcessRecord,
  initial = false,
): JsonApiResource {
  const values = initial ? initialValues(process.lifecycle) : valuesAt(process.lifecycle, ctx.now);
  return resource(
    "backgroundProcesses",
    process.id,
    {
      command: process.command,
      user: process.user,
      directory: process.directory,
      processes: process.processes,
      // Once installed, the host's live state (supervisor's RUNNING, BACKOFF, FATAL…) when it runs the process.
      status:
        values.status === "running" || values.status === "fatal"
          ? (ctx.services.agent.backgroundProcessStatus(process) ?? values.status)
          : values.status,
      created_at: iso(process.createdAt),
    },
    url(ctx, `/orgs/${ctx.services.org}/servers/${process.serverId}/background-processes/${process.id}`),
  );
}

function integerField(body: Record<string, unknown>, key: string): number | null {
  const value = body[key];
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

function createProcess(ctx: RequestContext): { status: number; body: unknown } {
  const server = need(ctx.found.server, "server");
  const { body, now, services } = ctx;
  const errors: Record<string, string[]> = {};
  for (const key of ["name", "command", "user"]) {
    if (stringField(body, key) === null || body[key] === "") errors[key] = [`The ${key} field is required.`];
  }
  const processes = integerField(body, "processes");
  if (processes === null || processes < 1)
    errors.processes = ["The processes field is required and must be at least 1."];
  const siteId = integerField(body, "site_id");
  if (body.site_id !== undefined && body.site_id !== null) {
    if (!services.store.data.sites.some((site) => site.id === siteId && site.serverId === server.id))
      errors.site_id = ["The selected site id is invalid."];
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const process: BackgroundProcessRecord = {
    id: services.store.nextId(),
    serverId: server.id,
    siteId,
    name: String(body.name),
    command: String(body.command),
    user: String(body.user),
    directory: stringField(body, "directory"),
    processes: processes as number,
    startsecs: integerField(body, "startsecs"),
    stopwaitsecs: integerField(body, "stopwaitsecs"),
    stopsignal: stringField(body, "stopsignal"),
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "installing" }, [
      services.clock.duration("backgroundProcess"),
      { status: failed ? "fatal" : "running" },
    ]),
  };
  services.store.data.backgroundProcesses.push(process);
  const work = failed ? null : services.agent.backgroundProcessCreated(process);
  if (work !== null)
    settleWith(services.settling, process.lifecycle, work, () => ({ status: "running" }), { status: "fatal" });
  return { status: 202, body: document(presentBackgroundProcess(ctx, process, true)) };
}

const ACTIONS = ["restart", "stop", "start", "empty-log"];

/** Supervisor acts on the program: `restarting` (or `stopping`) for a moment, then the host's live state. */
function processAction(ctx: RequestContext): { status: number } {
  const process = need(ctx.found.backgroundProcess, "backgroundProcess");
  const action = ctx.body.action;
  if (typeof action !== "string" || !ACTIONS.includes(action))
    throw validationError({ action: [`The selected action is invalid. It must be one of ${ACTIONS.join(", ")}.`] });
  if (action === "empty-log") return { status: 202 };
  const { services, now } = ctx;
  // A failed-outcome fault: Supervisor cannot start the program again either.
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const [during, after] = action === "stop" ? ["stopping", "stopped"] : ["restarting", failed ? "fatal" : "running"];
  extend(process.lifecycle, now, { status: during }, [
    services.clock.duration("backgroundProcessAction"),
    { status: after },
  ]);
  const work = failed ? null : services.agent.backgroundProcessAction(process, action as "start" | "stop" | "restart");
  if (work !== null) {
    const keep = process.lifecycle.steps.length - 1;
    settleWith(services.settling, process.lifecycle, work, () => ({ status: after }), { status: "fatal" }, keep);
  }
  return { status: 202 };
}

function deleteProcess(ctx: RequestContext): { status: number } {
  const process = need(ctx.found.backgroundProcess, "backgroundProcess");
  if (process.lifecycle.goneAt === null) {
    beginRemoval(ctx, process.lifecycle);
    const work = ctx.services.agent.backgroundProcessDeleted(process);
    if (work !== null) removeWith(ctx.services.settling, process.lifecycle, work);
  }
  return { status: 202 };
}

export const backgroundProcessRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SERVER}/background-processes`,
    scope: "server:view",
    items: (ctx) =>
      ctx.services.store.data.backgroundProcesses.filter(
        (item) => item.serverId === need(ctx.found.server, "server").id,
      ),
    present: presentBackgroundProcess,
    filters: {
      user: (process, value) => process.user === value,
      site_id: (process, value) => String(process.siteId) === value,
      directory: (process, value) => process.directory === value,
    },
    sorts: { user: (process) => process.user },
  }),
  {
    method: "post",
    template: `${SERVER}/background-processes`,
    scope: "server:create-daemons",
    handler: createProcess,
  },
  getRoute(`${SERVER}/background-processes/{backgroundProcess}`, "server:view", (ctx) =>
    presentBackgroundProcess(ctx, need(ctx.found.backgroundProcess, "backgroundProcess")),
  ),
  {
    method: "post",
    template: `${SERVER}/background-processes/{backgroundProcess}/actions`,
    scope: "server:create-daemons",
    handler: processAction,
  },
  {
    method: "delete",
    template: `${SERVER}/background-processes/{backgroundProcess}`,
    scope: "server:delete-daemons",
    handler: deleteProcess,
  },
];
