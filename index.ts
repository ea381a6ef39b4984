/**
 * The Pulumi program: picks what to build from the stack name. `pr-<n>` and `<app>-pr-<n>` are preview environments;
 * the snapshots stack refreshes the masters they clone. Any other name is refused before anything is created.
 */
// First, so that every module below loads from the transpile cache.
import "./providers/transpile-cache";
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./providers/common/user-error";
import { buildStack } from "./stacks/program";
import { leavePromiseStacksUnmapped } from "./stacks/promise-stacks";

function main(): Record<string, unknown> {
  leavePromiseStacksUnmapped();
  try {
    return buildStack(pulumi.getStack());
  } catch (error) {
    // A RunError is reported as its message alone; any other error is printed with its stack and fields, which only
    // bury a UserError's message (it already names the fix). The Node 20 stall on the SDK's source-mapped frames no
    // longer happens on Node 24 (README, "Versions").
    throw error instanceof UserError ? new pulumi.RunError(error.message) : error;
  }
}

export = main();
