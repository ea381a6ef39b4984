/**
 * ForgeWorker (`forge:Worker`): a preview site's queue worker, kept running by Supervisor as a Forge background
 * process.
 *
 * Which user runs it. Forge's new API has no queue-worker resource, and a background process may only be created with
 * `user` `root` or `forge`, while the site's files belong to its isolated Linux user. Running the worker as `forge` or
 * `root` would be wrong: the site user could not read what the worker writes (cache entries, log files, uploads
 * created by jobs are then owned by someone else), and a root worker would run application code with full control of
 * the server. So Forge runs the program as `root` and the command drops to the site user before PHP starts:
 *
 *   /usr/bin/setpriv --reuid=<user> --regid=<user> --init-groups --reset-env -- /usr/bin/php8.4 <dir>/artisan queue:work ...
 *
 * - `setpriv` (util-linux, on every Ubuntu server) sets the real, effective and saved uid and gid plus the user's
 *   supplementary groups, then `exec`s PHP in the same process. Supervisor's pid is therefore PHP's pid, and the
 *   SIGTERM it sends on stop reaches Laravel's worker directly, which finishes the current job and exits (Supervisor
 *   waits `stopwaitsecs` = job timeout + 30 s before killing). `runuser`, `su` and `sudo` instead fork and wait on a
 *   child, so the signal lands on a wrapper first and graceful stops depend on how that wrapper relays it.
 * - Leaving uid 0 through setresuid drops every capability; nothing privileged survives into PHP.
 * - `--reset-env` clears Supervisor's (root's) environment and sets HOME, USER, LOGNAME and SHELL from the user's
 *   passwd entry and PATH to `/usr/local/bin:/bin:/usr/bin`, so PHP sees the site user's HOME rather than /root and no
 *   stray variable can override the site's `.env`. PHP is called by its absolute, per-version path.
 * - `php artisan queue:restart` (run by deployments as the site user) stores a timestamp in the site's cache; the
 *   worker, being that same user, reads it, exits after its current job, and Supervisor starts it again through the
 *   same `setpriv`, in the newly deployed release.
 *
 * Forge's background-process resource shows neither a name nor a site id, so the worker's `name` also travels in
 * the command as `queue:work --name=<name>` (a real Laravel option naming the worker). That is the ownership mark:
 * `create` adopts a process on this site carrying the name and the same command, removes stale ones carrying the name
 * on this site, and refuses when the name shows up on another site; `delete` proves site and name before deleting.
 *
 * Every change replaces the process, the old one first: Forge's update endpoint only takes raw Supervisor config text,
 * whose Forge-generated parts (program name, log paths) the API does not expose, and Forge's own record of command,
 * user and processes would not follow it. A short gap while the worker is replaced only delays queued jobs.
 */
import { previewCommand } from "../common/cli-hints";
import { onlyFields } from "../common/narrow";
import * as pulumi from "@pulumi/pulumi";
import { createOrFindAfterLostAnswer, isForgeNotFound } from "../forge";
import {
  STOP_GRACE_SECONDS,
  WORKER_FIELDS,
  type WorkerSettings,
  buildWorkerCommand,
  validateWorkerSettings,
} from "./rules";
import type { BackgroundProcess, ForgeClient } from "../forge";
import {
  FAILED_STATUSES,
  assertOwnedProcess,
  findNamedProcesses,
  refuseForeignProcesses,
  removeProcess,
  restartUntilRunning,
  siteHasDeployedCode,
  statusAfter,
  waitUntilRunning,
  WorkerFailedError,
} from "./forge";
import type { ProviderImplementation } from "../runtime";
import {
  dynamicResourceClass,
  containsUnknown,
  isUnknown,
  partialFailure,
  forgeClientFromStackConfig,
} from "../runtime";

export type ForgeWorkerInputs = WorkerSettings;

export interface ForgeWorkerOutputs extends ForgeWorkerInputs {
  processId: number;
  /** The command Forge runs, as Forge reports it. */
  command: string;
  /** The user Forge starts the program as (`root`); the command itself drops to `isolatedUser`. */
  user: string;
  /** Forge's status of the process when last seen; a failed one (`fatal`, `exited`, `backoff`) is replaced. */
  status: string;
}

/**
 * The status recorded for a worker created before the site's first deployment: Supervisor could not start it yet,
 * and the preview's health check starts it once the code is there. Not a failure, so the next `up` keeps it.
 */
export const AWAITING_DEPLOYMENT = "awaiting-deployment";

/** Forge starts the program as root only so that `setpriv` can switch to the site user; see the header comment. */
const FORGE_USER = "root";

function parseProcessId(id: string): number {
  const processId = Number(id);
  if (!Number.isSafeInteger(processId) || processId <= 0) {
    throw new Error(`ForgeWorker id \`${id}\` is not a Forge background-process id; run ${previewCommand("refresh")}`);
  }
  return processId;
}

function outputsFor(inputs: ForgeWorkerInputs, process: BackgroundProcess): ForgeWorkerOutputs {
  return {
    ...onlyFields(inputs, WORKER_FIELDS),
    processId: process.id,
    command: process.command,
    user: process.user ?? FORGE_USER,
    status: process.status,
  };
}

/**
 * Waits for the process to run. Past this point the process exists, so a failure keeps its id in state (with the
 * status it ended in, which makes the next diff replace a failed one) instead of forgetting it.
 */
async function settle(
  client: ForgeClient,
  inputs: ForgeWorkerInputs,
  process: BackgroundProcess,
): Promise<ForgeWorkerOutputs> {
  const where = { serverId: inputs.serverId, siteId: inputs.siteId, name: inputs.name };
  try {
    return outputsFor(inputs, await waitUntilRunning(client, where, process.id));
  } catch (caught) {
    let error = caught;
    if (error instanceof WorkerFailedError && error.status !== "missing") {
      try {
        // Created beside the first deployment, the worker can start before the code it runs is installed.
        if (!(await siteHasDeployedCode(client, where))) {
          void pulumi.log.info(
            `forge-worker: ${inputs.name} waits for the site's first deployment; the health check starts it then`,
          );
          return { ...outputsFor(inputs, process), status: AWAITING_DEPLOYMENT };
        }
        // The deployment may have finished just after Supervisor gave up: one fresh start tells the two apart.
        return outputsFor(inputs, await restartUntilRunning(client, where, process.id));
      } catch (retryError) {
        error = retryError;
      }
    }
    const outs = { ...outputsFor(inputs, process), status: statusAfter(error, process.status) };
    throw partialFailure(String(process.id), outs, error);
  }
}

/** The command these inputs build, or null while they are unknown or invalid (check reports those). */
function commandOrNull(inputs: ForgeWorkerInputs): string | null {
  if (containsUnknown(inputs) || validateWorkerSettings(inputs as unknown as Record<string, unknown>).length > 0) {
    return null;
  }
  return buildWorkerCommand(inputs);
}

export const provider: ProviderImplementation<ForgeWorkerInputs, ForgeWorkerOutputs> = {
  async check(_olds, news) {
    const inputs = Object.fromEntries(WORKER_FIELDS.map((field) => [field, news[field]]));
    return { inputs: inputs as unknown as ForgeWorkerInputs, failures: validateWorkerSettings(inputs) };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = WORKER_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
    if (FAILED_STATUSES.includes(olds.status)) replaces.push("status");
    if (replaces.length === 0) {
      // Refresh copies Forge's command and user into the state; a process edited by hand is put back by replacing it.
      const command = commandOrNull(news);
      if (command !== null && command !== olds.command) replaces.push("command");
      if (olds.user !== FORGE_USER) replaces.push("user");
    }
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs) {
    const client = forgeClientFromStackConfig();
    const command = buildWorkerCommand(inputs);
    const where = { serverId: inputs.serverId, siteId: inputs.siteId, name: inputs.name };
    const found = await findNamedProcesses(client, where);
    refuseForeignProcesses(found, where);

    const adoptable = found.onSite.find(
      (process) =>
        process.command === command &&
        process.user === FORGE_USER &&
        process.processes === inputs.processes &&
        process.status !== "removing" &&
        !FAILED_STATUSES.includes(process.status),
    );
    for (const stale of found.onSite.filter((process) => process !== adoptable)) {
      void pulumi.log.info(`forge-worker: removing stale background process ${stale.id} named ${inputs.name}`);
      await removeProcess(client, where, stale.id);
    }

    let process = adoptable;
    let verb = "adopted";
    if (process === undefined) {
      const { object, lost } = await createOrFindAfterLostAnswer({
        what: `a background process on site ${inputs.siteId} (server ${inputs.serverId})`,
        mark: `its worker name \`${inputs.name}\``,
        create: () =>
          client.backgroundProcesses.create(inputs.serverId, {
            name: inputs.name,
            command,
            user: FORGE_USER,
            processes: inputs.processes,
            siteId: inputs.siteId,
            directory: inputs.directory,
            startsecs: 1,
            stopwaitsecs: inputs.timeoutSeconds + STOP_GRACE_SECONDS,
            stopsignal: "SIGTERM",
          }),
        // The stale ones were removed above, so a process with this name and command on the site is the one asked for.
        find: async () =>
          (await findNamedProcesses(client, where)).onSite.find(
            (candidate) => candidate.command === command && candidate.status !== "removing",
          ),
      });
      process = object;
      verb = lost === null ? "created" : "recovered";
      if (lost !== null)
        void pulumi.log.info(`forge-worker: the answer to creating the worker's process was lost (${lost.message})`);
    }
    void pulumi.log.info(`forge-worker: ${verb} background process ${process.id} named ${inputs.name}`);
    const outs = await settle(client, inputs, process);
    return { id: String(process.id), outs: outs satisfies ForgeWorkerOutputs };
  },

  /**
   * Every input change replaces the process, so the engine only calls this to resume a create that ended as a partial
   * failure (a wait that timed out): it waits for the same process again.
   */
  async update(id, olds, news) {
    const client = forgeClientFromStackConfig();
    const process = await client.backgroundProcesses.get(olds.serverId, parseProcessId(id));
    return { outs: (await settle(client, news, process)) satisfies ForgeWorkerOutputs };
  },

  async read(id, props) {
    const client = forgeClientFromStackConfig();
    try {
      const process = await client.backgroundProcesses.get(props.serverId, parseProcessId(id));
      return {
        id,
        props: {
          ...props,
          command: process.command,
          user: process.user ?? props.user,
          processes: process.processes ?? props.processes,
          status: process.status,
        } satisfies ForgeWorkerOutputs,
      };
    } catch (error) {
      if (isForgeNotFound(error)) return { id: "" };
      throw error;
    }
  },

  async delete(id, props) {
    const client = forgeClientFromStackConfig();
    const where = { serverId: props.serverId, siteId: props.siteId, name: props.name };
    const processId = parseProcessId(id);
    if (!(await assertOwnedProcess(client, where, processId))) return;
    await removeProcess(client, where, processId);
    void pulumi.log.info(`forge-worker: removed background process ${processId} named ${props.name}`);
  },
};

export class ForgeWorker extends dynamicResourceClass<ForgeWorkerInputs, ForgeWorkerOutputs>({
  implementation: "providers/forge-worker",
  type: ["forge", "Worker"],
  createdOutputs: { processId: true, command: true, user: true, status: true },
}) {}
