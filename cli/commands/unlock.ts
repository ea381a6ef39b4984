/** `forge-previews unlock`: clear the lock a killed `pulumi` left on a stack (`pulumi cancel`). */
import { secretValuesFromEnv } from "../cli-config";
import { checkArguments, parseFlags } from "../args";
import type { CliIo } from "../output";
import { cancelStackLocks } from "../pulumi/locks";
import { pulumiFor, resolveProjectContext } from "../pulumi/project";
import { parseStackName } from "../../stacks/naming";

export const summary = "clear the lock a killed pulumi run left on a stack";

export const usage = `Usage: forge-previews unlock --stack <stack>

  --stack <stack>  the stack, as \`up\`, \`destroy\` and \`list\` name it (pr-<n>, <app>-pr-<n>, snapshots)

Runs \`pulumi cancel\`, which deletes every lock file of the stack. \`up\` and \`destroy\` already clear a lock whose
pulumi is gone (same machine and no such process, or taken more than two hours ago elsewhere); use this for a lock
they keep, and only when nothing runs on the stack any more: a run that loses its lock may write the state at the
same time as the next one.`;

const FLAGS = { stack: { type: "string", required: "the stack whose lock to clear" } } as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { stack } = parseFlags(argv, FLAGS);
  checkArguments(() => parseStackName(stack));
  const context = resolveProjectContext({ cwd: io.cwd, env: io.env, checkConfigSource: false });
  await cancelStackLocks(pulumiFor(context, secretValuesFromEnv(context.env)), stack);
  io.out(`Stack ${stack} is unlocked.`);
  return 0;
}
