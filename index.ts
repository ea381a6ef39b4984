/**
 * The Pulumi program: picks what to build from the stack name. `pr-<n>` and `<app>-pr-<n>` are preview environments;
 * the snapshots stack refreshes the masters they clone. Any other name is refused before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./stacks/config";
import { resolveStackTarget } from "./stacks/stack-target";

const config = loadConfig();
const target = resolveStackTarget(pulumi.getStack(), config);

// The resources of each stack kind arrive with the preview-environment and snapshot issues (#4, #5); until then the
// program says so instead of pretending to have built an environment.
throw new Error(
  target.kind === "preview"
    ? `Stack ${target.names.stack} is valid (app ${target.names.app}, PR ${target.names.pr}), but the preview environment program is not built yet (issue #4).`
    : "The snapshots stack is not built yet (issue #5).",
);
