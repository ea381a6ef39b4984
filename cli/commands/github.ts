/** `forge-previews github`: the comment commands and PR-closed handling, run by the preview workflow. */
import { runGithubCommand, GITHUB_USAGE } from "../github/github-command";
import type { Operations } from "../github/operations-port";
import * as operations from "../operations";
import type { CliIo } from "../output";

export const summary = "handle the GitHub event of a workflow run (PR comment commands, closed PRs)";

export const usage = GITHUB_USAGE;

const realOperations: Operations = operations;

export function run(argv: string[], io: CliIo): Promise<number> {
  return runGithubCommand(argv, {
    env: io.env,
    out: (line) => io.out(line),
    now: () => new Date(),
    ops: realOperations,
    createOperationsContext: () => operations.createOperationsContext({ cwd: io.cwd, env: io.env }),
  });
}
