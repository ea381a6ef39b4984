import type * as pulumi from "@pulumi/pulumi";
import type { ProviderImplementation } from "./implementation";

/**
 * `check` and `diff` of a resource whose rules are pure functions in its `rules.ts` (no I/O, so they also run in
 * preview): `check` reads only the new inputs, `diff` compares the recorded outputs with them.
 */
export function pureCheckAndDiff<Inputs, Outputs>(
  check: (news: Record<string, unknown>) => pulumi.dynamic.CheckResult<Inputs>,
  diff: (olds: Outputs, news: Inputs) => pulumi.dynamic.DiffResult,
): Required<Pick<ProviderImplementation<Inputs, Outputs>, "check" | "diff">> {
  return {
    async check(_olds, news) {
      return check(news);
    },
    async diff(_id, olds, news) {
      return diff(olds, news);
    },
  };
}
