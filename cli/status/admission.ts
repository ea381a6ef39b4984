/**
 * Measures the server for admission (headroom.ts has the rule): one SSH login reads MySQL's datadir and the app
 * master's size, then the memory and the datadir's filesystem. Used by `forge-previews up` and the GitHub `/preview`
 * before a new preview's stack is created.
 */
import { UserError } from "../../providers/common/user-error";
import { SshError, withSsh } from "../../providers/ssh";
import type { PlainConfig } from "../../stacks/config-rules";
import type { ConfigEntries } from "../cli-config";
import { type HeadroomCheck, checkHeadroom, describeHeadroomRefusal } from "./headroom";
import { readMysqlFacts } from "./mysql-facts";
import { serverAccess } from "./server-access";
import { readServerMetrics } from "./server-metrics";

export type { HeadroomCheck, HeadroomFailure, HeadroomFloor } from "./headroom";

/**
 * Whether a new preview of `app` fits on the server now, with the figures it was judged on. A server that cannot be
 * measured is a UserError saying so and how to go on: nothing is created without the check.
 */
export async function measureHeadroom(
  config: PlainConfig,
  entries: ConfigEntries,
  app: string,
): Promise<HeadroomCheck> {
  try {
    return await measure(config, entries, app);
  } catch (error) {
    // SSH failures, and the plain Errors of an answer that cannot be read; a bug (TypeError…) stays what it is.
    if (!(error instanceof SshError) && (error as Error | undefined)?.constructor !== Error) throw error;
    throw new UserError(
      `The preview server's headroom could not be measured (${(error as Error).message}), so no new preview was ` +
        "created. Check sshHost, sshPrivateKey and mysqlUser (`forge-previews doctor`), or set `maxMemoryPercent` to " +
        "100 and `diskMargin` to 0 to create previews without the check.",
    );
  }
}

async function measure(config: PlainConfig, entries: ConfigEntries, app: string): Promise<HeadroomCheck> {
  const appConfig = config.apps[app];
  if (appConfig === undefined) throw new UserError(`No app \`${app}\` is configured.`);
  const access = serverAccess(config, entries);
  return withSsh(access.ssh, async (session) => {
    const mysql = await readMysqlFacts(session, access.mysql);
    const metrics = await readServerMetrics(session, { paths: [mysql.dataDir] });
    const master = appConfig.masterDatabase;
    return checkHeadroom(
      {
        memoryTotalBytes: metrics.memoryTotalBytes,
        memoryUsedBytes: metrics.memoryUsedBytes,
        mysqlDisk: metrics.disks[0] as (typeof metrics.disks)[number],
        master,
        masterBytes: mysql.sizes.get(master)?.bytes ?? 0,
      },
      config.headroom,
    );
  });
}

/** The refusal of `forge-previews up` for a new preview on a server without the headroom for it. */
export class HeadroomRefusedError extends UserError {
  override readonly name = "HeadroomRefusedError";

  constructor(
    readonly stackName: string,
    readonly check: Extract<HeadroomCheck, { allowed: false }>,
  ) {
    super(describeHeadroomRefusal(stackName, check, "run `up` again"));
  }
}
