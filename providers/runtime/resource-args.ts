/** The pieces of a dynamic resource's class that every resource writes the same way. */
import type * as pulumi from "@pulumi/pulumi";

/** A resource's user-facing args: each resolved input may also be given as a `pulumi.Input`, so the two cannot drift. */
export type ResourceArgs<Inputs> = { [K in keyof Inputs]: pulumi.Input<Inputs[K]> };

/** `opts` with `names` added to its `additionalSecretOutputs`, each listed once. */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  names: readonly string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...names])] };
}
