/** `forge-previews sweep`: the daily clean-up of previews whose PR closed or that sat idle past their TTL. */
import type { Operations } from "../github/operations-port";
import { SWEEP_USAGE, runSweepCommand } from "../github/sweep-command";
import * as operations from "../operations";
import type { CliIo } from "../output";

export const summary = "destroy previews of closed PRs and previews idle past their TTL (warning on the PR first)";

export const usage = SWEEP_USAGE;

const realOperations: Operations = operations;

export function run(argv: string[], io: CliIo): Promise<number> {
  return runSweepCommand(argv, {
    env: io.env,
    out: (line) => io.out(line),
    now: () => new Date(),
    ops: realOperations,
    createOperationsContext: () => operations.createOperationsContext({ cwd: io.cwd, env: io.env }),
  });
}
