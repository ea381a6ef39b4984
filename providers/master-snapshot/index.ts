/**
 * MasterSnapshot: an app's master database (what every preview clones), refreshed from production on the Forge
 * server over SSH by the clone engine (providers/db-clone): production is read with one `--single-transaction` dump
 * into the staging copy `<master>_fpstaging`, verified by row counts, masked with the app's `maskingSql`, and then
 * moved into place with one atomic RENAME TABLE (see master-snapshot-refresh.ts). Production is only ever read.
 *
 * Lifecycle: create and every update with a new `refreshToken` (or new masking) refresh the master. Refresh (read)
 * drops the resource when the master is gone. Delete leaves the master in place: the data outlives the stack, since
 * previews keep cloning it; drop it by hand when an app is retired. Delete only removes a staging copy a killed
 * refresh left behind.
 */
import * as pulumi from "@pulumi/pulumi";
import { type MysqlAccess, inspectClone } from "../db-clone";
import { type RefreshResult, dropOwnedStaging, refreshMaster } from "./refresh";
import {
  type MasterSnapshotInputs,
  checkMasterSnapshotInputs,
  diffMasterSnapshot,
  needsRefresh,
  stagingDatabaseFor,
} from "./rules";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, mysqlAccessFromStackConfig, pureCheckAndDiff } from "../runtime";
import { type SshTarget, sshTargetFromStackConfig, withSsh } from "../ssh";
import { UserError } from "../common/user-error";

export type { MasterSnapshotInputs } from "./rules";

type OptionalArgs = "maskingSql" | "refreshToken" | "protectedDatabases" | "server";

/** Defaults: no masking, refresh token "", nothing else protected (production always is). */
export type MasterSnapshotArgs = {
  [K in Exclude<keyof MasterSnapshotInputs, OptionalArgs>]: pulumi.Input<MasterSnapshotInputs[K]>;
} & { [K in OptionalArgs]?: pulumi.Input<MasterSnapshotInputs[K]> };

export interface MasterSnapshotOutputs extends MasterSnapshotInputs, RefreshResult {}

function assertInputs(inputs: MasterSnapshotInputs, action: string): void {
  const { failures } = checkMasterSnapshotInputs({ ...inputs });
  if (failures.length > 0) {
    throw new UserError(
      `Refusing to ${action} the master \`${inputs.masterDatabase}\` from \`${inputs.productionDatabase}\`: ${failures.map((f) => f.reason).join("; ")}`,
    );
  }
}

/** Where the master lives: the stack's server, or the pool server the inputs name (the login and key stay the stack's). */
function serverOf(inputs: Pick<MasterSnapshotInputs, "server">): { target: SshTarget; access: MysqlAccess } {
  const target = sshTargetFromStackConfig();
  const access = mysqlAccessFromStackConfig();
  const server = inputs.server;
  if (server === undefined) return { target, access };
  return {
    target: { ...target, host: server.sshHost, port: server.sshPort, hostKeyFingerprint: server.sshHostKeyFingerprint },
    access: {
      ...access,
      socket: server.mysqlSocket === "" ? null : server.mysqlSocket,
      dataDir: server.mysqlDataDir === "" ? null : server.mysqlDataDir,
    },
  };
}

async function refresh(inputs: MasterSnapshotInputs): Promise<MasterSnapshotOutputs> {
  const { target, access } = serverOf(inputs);
  const result = await withSsh(target, (session) =>
    refreshMaster(
      session,
      inputs,
      access,
      (message) => void pulumi.log.info(`master-snapshot ${inputs.app}: ${message}`),
    ),
  );
  return {
    app: inputs.app,
    productionDatabase: inputs.productionDatabase,
    masterDatabase: inputs.masterDatabase,
    maskingSql: [...inputs.maskingSql],
    refreshToken: inputs.refreshToken,
    protectedDatabases: [...inputs.protectedDatabases],
    ...(inputs.server === undefined ? {} : { server: { ...inputs.server } }),
    ...result,
  };
}

export const provider: ProviderImplementation<MasterSnapshotInputs, MasterSnapshotOutputs> = {
  ...pureCheckAndDiff(checkMasterSnapshotInputs, (olds, news) => diffMasterSnapshot({ ...olds }, { ...news })),

  async create(inputs) {
    assertInputs(inputs, "refresh");
    // A failed refresh throws without an id: the master keeps its previous snapshot and nothing is recorded.
    return { id: inputs.masterDatabase, outs: await refresh(inputs) };
  },

  async read(id, props) {
    const { target, access } = serverOf(props);
    const found = await withSsh(target, (session) => inspectClone(session, { access, target: props.masterDatabase }));
    return found.exists ? { id, props } : { id: "" };
  },

  async update(_id, olds, news) {
    assertInputs(news, "refresh");
    if (needsRefresh({ ...olds }, { ...news })) return { outs: await refresh(news) };
    return { outs: { ...olds, protectedDatabases: [...news.protectedDatabases] } };
  },

  async delete(_id, props) {
    // The master stays: previews clone it and it outlives this stack. Only a staging copy of ours may go.
    const staging = stagingDatabaseFor(props.masterDatabase);
    try {
      const { target, access } = serverOf(props);
      await withSsh(target, (session) => dropOwnedStaging(session, access, staging));
    } catch (error) {
      void pulumi.log.warn(
        `master-snapshot ${props.app}: could not remove the staging copy \`${staging}\`: ${(error as Error).message}`,
      );
    }
    void pulumi.log.info(
      `master-snapshot ${props.app}: \`${props.masterDatabase}\` is left in place; drop it by hand if no preview needs it`,
    );
  },
};

/** An app's master, refreshed from production whenever `refreshToken` changes. */
export class MasterSnapshot extends dynamicResourceClass<
  MasterSnapshotInputs,
  MasterSnapshotOutputs,
  MasterSnapshotArgs
>({
  implementation: "providers/master-snapshot",
  type: ["forge", "MasterSnapshot"],
  createdOutputs: {
    snapshotAt: true,
    bytes: true,
    tables: true,
    rows: true,
    seconds: true,
    method: true,
    sealed: true,
  },
}) {}
