/**
 * The limit on live environments (`maxEnvironments`), one rule for `forge-previews up` on a laptop and for the GitHub
 * automation (issue #13): every existing preview stack counts, failed ones too (they still hold a site, a database
 * and a Redis database), and a PR whose stack already exists is never refused, since its `up` is an update.
 */
import { UserError } from "../providers/common/user-error";

export type CapacityCheck<T extends { stack: string }> = { allowed: true } | { allowed: false; live: T[]; max: number };

/** Whether `stack` may come up next to `previews` (the existing preview stacks) under a limit of `max`. */
export function checkCapacity<T extends { stack: string }>(
  previews: readonly T[],
  stack: string,
  max: number,
): CapacityCheck<T> {
  if (previews.some((p) => p.stack === stack)) return { allowed: true };
  return previews.length >= max ? { allowed: false, live: [...previews], max } : { allowed: true };
}

/** The refusal of `up` for a new preview, naming the stacks that hold the places and the commands that free one. */
export class CapacityExceededError extends UserError {
  override readonly name = "CapacityExceededError";

  constructor(
    readonly stackName: string,
    readonly check: Extract<CapacityCheck<{ stack: string }>, { allowed: false }>,
  ) {
    const live = check.live
      .map((p) => p.stack)
      .sort()
      .join(", ");
    super(
      `All ${check.max} preview environments are in use (\`maxEnvironments\` is ${check.max}), so ${stackName} was not ` +
        `created; nothing was changed. Existing previews: ${live}. Destroy one that is no longer needed ` +
        "(`forge-previews destroy --app <app> --pr <n>`; `forge-previews list` shows them) or raise `maxEnvironments`, " +
        "then run `up` again.",
    );
  }
}
