/** The real services `github` and `sweep` run with when started from the command line: the CLI's own operations. */
import * as operations from "../operations";
import type { CliIo } from "../output";
import { readStatus } from "../status/read";
import type { Operations } from "./operations-port";
import type { WorkflowCommandDeps } from "./workflow-io";

const realOperations: Operations = operations;

export function workflowDepsFor(io: CliIo): WorkflowCommandDeps {
  return {
    env: io.env,
    out: (line) => io.out(line),
    now: () => new Date(),
    ops: realOperations,
    readStatus: (ctx) => readStatus(ctx),
    createOperationsContext: () => operations.createOperationsContext({ cwd: io.cwd, env: io.env }),
  };
}
