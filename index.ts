/**
 * The Pulumi program: picks what to build from the stack name. `pr-<n>` and `<app>-pr-<n>` are preview environments;
 * the snapshots stack refreshes the masters they clone. Any other name is refused before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./providers/common/user-error";
import { buildStack } from "./stacks/program";

function main(): Record<string, unknown> {
  try {
    return buildStack(pulumi.getStack());
  } catch (error) {
    // A RunError is reported as its message alone. Any other uncaught error makes the SDK inspect its stack, which
    // on Node 20 can spin for minutes on the SDK's source-mapped frames before anything is printed.
    throw error instanceof UserError ? new pulumi.RunError(error.message) : error;
  }
}

export = main();
