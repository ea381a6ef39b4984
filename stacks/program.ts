/** What each stack kind builds and exports; index.ts hands it the stack name. */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../providers/common/user-error";
import { type PreviewConfig, loadConfig } from "./config";
import { PreviewEnvironment } from "./preview-environment";
import { buildSnapshotsStack } from "./snapshots";
import { resolveStackTarget } from "./stack-target";

export type StackOutputs = Record<string, unknown>;

export function buildStack(stack: string, config: PreviewConfig = loadConfig()): StackOutputs {
  const target = resolveStackTarget(stack, config);
  if (target.kind === "snapshots") {
    return buildSnapshotsStack(config);
  }
  const { names } = target;
  const branch = config.deploy.branch;
  if (branch === null) {
    throw new UserError(
      `Stack ${names.stack} has no branch to deploy: set it with \`pulumi config set branch <PR head branch> --stack ${names.stack}\` (the CLI does this).`,
    );
  }
  const app = config.apps[names.app];
  const environment = new PreviewEnvironment(names.stack, { names, app, config, branch });
  return {
    url: environment.url,
    app: names.app,
    pr: names.pr,
    branch,
    commit: environment.deployedCommit,
    siteId: environment.siteId,
    databaseName: environment.databaseName,
    redisDb: environment.redisDb,
    basicAuthUser: environment.basicAuthUser,
    basicAuthPassword: environment.basicAuthPassword,
    databasePassword: environment.databasePassword,
    createdAt: environment.createdAt,
    snapshot: environment.snapshotAt,
    cloneMethod: environment.cloneMethod,
    stack: pulumi.getStack(),
  };
}
