/**
 * The Forge side of a ForgeWorker: finding a site's worker by its name, waiting for Supervisor to run it, and
 * removing it. Forge's background-process resource has neither a name nor a site id attribute, so a process's site
 * is learned from the `filter[site_id]` list it appears in, and its name from the `--name=` option of its command.
 */
import { NEXT_UP, RUN_UP_AGAIN, previewCommand, upperFirst } from "../common/cli-hints";
import { type BackgroundProcess, type ForgeClient, isForgeNotFound, waitDone, waitFor, waitPending } from "../forge";
import { pollPacing, deleteAndWaitGone } from "../runtime";
import { FINISHED } from "../deployment/rules";
import { workerNameOf } from "./rules";
import { UserError } from "../common/user-error";

/** Supervisor states that mean the program is not going to run on its own. */
export const FAILED_STATUSES: readonly string[] = ["fatal", "exited", "backoff"];
const RUNNING_STATUSES: readonly string[] = ["running", "installed"];

/** Supervisor gave up on the process; `status` is the state Forge reported. */
export class WorkerFailedError extends UserError {
  override readonly name = "WorkerFailedError";

  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

const RUN_TIMEOUT_MS = 3 * 60_000;
const REMOVE_TIMEOUT_MS = 3 * 60_000;

export interface WorkerLocation {
  serverId: number;
  siteId: number;
  name: string;
}

/** What is on the server under this worker's name: processes on its site, and any elsewhere. */
export interface NamedProcesses {
  onSite: BackgroundProcess[];
  elsewhere: BackgroundProcess[];
}

export async function findNamedProcesses(client: ForgeClient, where: WorkerLocation): Promise<NamedProcesses> {
  const named = (process: BackgroundProcess): boolean => workerNameOf(process.command) === where.name;
  const siteProcesses = await client.backgroundProcesses.list(where.serverId, { siteId: where.siteId }).all();
  const siteIds = new Set(siteProcesses.map((process) => process.id));
  const serverProcesses = await client.backgroundProcesses.list(where.serverId).all();
  return {
    onSite: siteProcesses.filter(named),
    elsewhere: serverProcesses.filter((process) => named(process) && !siteIds.has(process.id)),
  };
}

/** Refuses to go on when another site's process carries this worker's name: that worker belongs to someone else. */
export function refuseForeignProcesses(found: NamedProcesses, where: WorkerLocation): void {
  const foreign = found.elsewhere[0];
  if (foreign === undefined) return;
  throw new UserError(
    `Background process ${foreign.id} on server ${where.serverId} runs a worker named \`${where.name}\` but does not ` +
      `belong to site ${where.siteId}, so it is not this preview's to adopt or replace. Delete it in Forge (Server → ` +
      "Background processes) if it is a leftover, or give this worker another `name`.",
  );
}

/** Waits until Supervisor runs the process; a failed state or a vanished process ends the wait with an error. */
/** The status to record when waiting ended in `error`: the failed state, or the last one seen before a timeout. */
export function statusAfter(error: unknown, fallback: string): string {
  if (error instanceof WorkerFailedError) return error.status;
  const lastStatus: unknown = error instanceof Error ? Reflect.get(error, "lastStatus") : undefined;
  return typeof lastStatus === "string" ? lastStatus : fallback;
}

export async function waitUntilRunning(
  client: ForgeClient,
  where: WorkerLocation,
  processId: number,
  /** For this long a failed state counts as not yet updated (Forge answers an action before Supervisor acts). */
  graceMs = 0,
): Promise<BackgroundProcess> {
  const graceEnds = Date.now() + graceMs;
  return waitFor(
    async () => {
      let process: BackgroundProcess;
      try {
        process = await client.backgroundProcesses.get(where.serverId, processId);
      } catch (error) {
        if (!isForgeNotFound(error)) throw error;
        throw new WorkerFailedError(
          `Worker \`${where.name}\` (background process ${processId} on server ${where.serverId}) disappeared while ` +
            `starting; ${RUN_UP_AGAIN}: it refreshes first, then recreates it.`,
          "missing",
        );
      }
      if (RUNNING_STATUSES.includes(process.status)) return waitDone(process);
      if (FAILED_STATUSES.includes(process.status) && Date.now() >= graceEnds) {
        throw new WorkerFailedError(
          `Worker \`${where.name}\` (background process ${processId} on server ${where.serverId}) ended with status ` +
            `\`${process.status}\`: Supervisor could not keep it running. Read its log in Forge (Server → Background ` +
            "processes → Log); the usual causes are a missing PHP version, a wrong directory or a failing `artisan`. " +
            `${upperFirst(NEXT_UP)} replaces it.`,
          process.status,
        );
      }
      return waitPending(process.status);
    },
    {
      what: `worker \`${where.name}\` (background process ${processId}) to run`,
      timeoutMs: RUN_TIMEOUT_MS,
      ...pollPacing(),
    },
  );
}

/** A failed state may linger after a restart was asked for: a few polls (about 15 s against Forge itself). */
const RESTART_GRACE_POLLS = 7.5;

/** Has Supervisor start the process afresh (a FATAL one stays down otherwise) and waits until it runs. */
export async function restartUntilRunning(
  client: ForgeClient,
  where: WorkerLocation,
  processId: number,
): Promise<BackgroundProcess> {
  await client.backgroundProcesses.action(where.serverId, processId, "restart");
  return waitUntilRunning(client, where, processId, pollPacing().intervalMs * RESTART_GRACE_POLLS);
}

/**
 * Whether the site's code has been deployed: a worker started before the first deployment finds no `vendor/` and
 * fails, which is expected, not a broken worker.
 */
export async function siteHasDeployedCode(client: ForgeClient, where: WorkerLocation): Promise<boolean> {
  const finished = await client.deployments
    .list(where.serverId, where.siteId, { sort: "-created_at" })
    .find((deployment) => deployment.status === FINISHED);
  return finished !== undefined;
}

/** Deletes the process and waits until Forge answers 404; an already missing process is done. */
export async function removeProcess(client: ForgeClient, where: WorkerLocation, processId: number): Promise<void> {
  await deleteAndWaitGone(
    client,
    () => client.backgroundProcesses.delete(where.serverId, processId),
    () => client.backgroundProcesses.get(where.serverId, processId),
    { subject: `worker \`${where.name}\` (background process ${processId})`, timeoutMs: REMOVE_TIMEOUT_MS },
  );
}

/**
 * Proves that `processId` is this worker before anything deletes it: it must be listed under the site and carry the
 * worker's name. Returns false when the process is already gone.
 */
export async function assertOwnedProcess(
  client: ForgeClient,
  where: WorkerLocation,
  processId: number,
): Promise<boolean> {
  let process: BackgroundProcess;
  try {
    process = await client.backgroundProcesses.get(where.serverId, processId);
  } catch (error) {
    if (isForgeNotFound(error)) return false;
    throw error;
  }
  const onSite = await client.backgroundProcesses
    .list(where.serverId, { siteId: where.siteId })
    .find((candidate) => candidate.id === processId);
  if (onSite === undefined || workerNameOf(process.command) !== where.name) {
    throw new UserError(
      `Background process ${processId} on server ${where.serverId} is not worker \`${where.name}\` of site ` +
        `${where.siteId} any more, so it is left alone. If the worker was removed by hand, drop it from the state ` +
        `with ${previewCommand("refresh")}, or with \`pulumi state delete <urn>\` if it still holds the id (our CLI has no command for that).`,
    );
  }
  return true;
}
