/**
 * The server a preview stack runs on, when the configuration lists a pool (`poolServers`). A new stack is placed once,
 * on its first `up`; its server's keys (SERVER_KEYS) are then written into its own configuration on every run, read
 * back from what it ran with last, so a later `up`, `refresh` or `destroy` goes to the same server and nothing is
 * placed again. With one server nothing here runs: the stack reads today's keys from the shared configuration.
 */
import { UserError } from "../../providers/common/user-error";
import { SECRET_ENV } from "../../stacks/config-keys";
import type { PlainConfig } from "../../stacks/config-rules";
import { type PoolServer, type ServerKey, serverConfigValues } from "../../stacks/server-pool";
import type { Env } from "../cli-config";
import { type MeasureServer, measureOverSsh } from "./measure";
import { type Candidate, choosePlacement } from "./placement";

export type ServerValues = Partial<Record<ServerKey, string>>;

/** The recorded server of an existing stack, as the pool lists it now; null when the stack recorded none. */
export function recordedServer(stack: string, pool: readonly PoolServer[], kept: ServerValues): PoolServer | null {
  if (kept.forgeServerId === undefined) return null;
  const id = Number(kept.forgeServerId);
  const server = pool.find((entry) => entry.forgeServerId === id);
  if (server === undefined) {
    throw new UserError(
      `Stack ${stack} runs on Forge server ${kept.forgeServerId}, which is not in the pool (forgeServerId and ` +
        "`poolServers`); add that server back to `poolServers` so its preview can be updated or destroyed.",
    );
  }
  return server;
}

/** The per-stack values that keep an existing stack on its server; none with one server (today's keys apply). */
export function keptServerValues(stack: string, pool: readonly PoolServer[], kept: ServerValues): ServerValues {
  if (pool.length < 2) return {};
  const server = recordedServer(stack, pool, kept);
  return server === null ? {} : serverConfigValues(server);
}

/** Measures every server of the pool (all at once; one that fails is passed over, with its reason). */
export async function measurePool(pool: readonly PoolServer[], measure: MeasureServer): Promise<Candidate[]> {
  return Promise.all(
    pool.map(async (server): Promise<Candidate> => {
      try {
        return { server, ...(await measure(server)) };
      } catch (error) {
        return { server, hasMaster: false, metrics: null, error: (error as Error).message };
      }
    }),
  );
}

/** The real measurement, with the SSH key and the MySQL password from the environment the CLI runs in. */
export function measureFromEnv(config: PlainConfig, env: Env, masterDatabase: string): MeasureServer {
  const privateKey = env[SECRET_ENV.sshPrivateKey ?? ""];
  if (privateKey === undefined || privateKey === "") {
    throw new UserError(
      `Placing a new preview on the pool measures its servers over SSH: set ${SECRET_ENV.sshPrivateKey} (sshPrivateKey).`,
    );
  }
  const mysqlPassword = env[SECRET_ENV.mysqlPassword ?? ""];
  return measureOverSsh(
    {
      sshUser: config.ssh.user,
      privateKey,
      mysqlUser: config.mysqlUser,
      mysqlPassword: mysqlPassword === undefined || mysqlPassword === "" ? null : mysqlPassword,
    },
    masterDatabase,
  );
}

/**
 * The server values for a stack about to run `up`: its recorded server when it has one, else the pool's choice for
 * `app` (said on `onProgress`). Empty with one server.
 */
export async function serverValuesForUp(options: {
  stack: string;
  config: PlainConfig;
  app: string;
  kept: ServerValues;
  measure: MeasureServer | undefined;
  env: Env;
  onProgress?(line: string): void;
}): Promise<ServerValues> {
  const { stack, config, kept } = options;
  if (config.pool.length < 2) return {};
  const recorded = recordedServer(stack, config.pool, kept);
  if (recorded !== null) return serverConfigValues(recorded);
  const master = config.apps[options.app]?.masterDatabase ?? "";
  const measure = options.measure ?? measureFromEnv(config, options.env, master);
  const placement = choosePlacement(await measurePool(config.pool, measure), master);
  options.onProgress?.(`placing ${stack}: ${placement.reason}`);
  return serverConfigValues(placement.server);
}
