/** The pieces of a dynamic resource's class that every resource writes the same way. */
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_KEY, serializedProvider } from "./serialized-provider";
import { createProviderShim } from "./shim";

/** A resource's user-facing args: each resolved input may also be given as a `pulumi.Input`, so the two cannot drift. */
export type ResourceArgs<Inputs> = { [K in keyof Inputs]: pulumi.Input<Inputs[K]> };

/** `opts` with `names` added to its `additionalSecretOutputs`, each listed once. */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  names: readonly string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...names])] };
}

/** Every output of a resource, typed, as the class exposes it. */
export type ResourceOutputs<Outputs> = { readonly [K in keyof Outputs]-?: pulumi.Output<Outputs[K]> };

/** The constructor `dynamicResourceClass` returns: the usual `(name, args, opts)`, with the outputs typed. */
export type DynamicResourceClass<Args, Outputs> = new (
  name: string,
  args: Args,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource & ResourceOutputs<Outputs>;

/** The facts that set one dynamic resource's class apart from the others. */
export interface DynamicResourceFacts<Inputs, Outputs, Args> {
  /** The implementation module the shim loads, e.g. `providers/basic-auth`; serialized into every state. */
  implementation: string;
  /** The type's module and name, part of every URN: `forge` and `BasicAuth` make `dynamic/forge:BasicAuth`. */
  type: readonly [module: string, name: string];
  /**
   * Each output that is not an input. The SDK exposes only the properties registered with a value, so these are
   * registered as `undefined`; the type lists them all, so none can be forgotten.
   */
  createdOutputs: { readonly [K in Exclude<keyof Outputs, keyof Inputs>]: true };
  /** Inputs made secret whoever builds the args (the engine prints an input beside a check failure); secret outputs too. */
  secretInputs?: readonly (keyof Args & string)[];
  /** Further outputs to keep secret in state. */
  secretOutputs?: readonly (keyof Outputs & string)[];
  /** Values given to args left out. */
  defaults?: { readonly [K in keyof Args]?: Args[K] };
}

/**
 * Declares a dynamic resource's class from its facts: `export class BasicAuth extends dynamicResourceClass<...>({...}) {}`.
 * It registers what `pulumi.dynamic.Resource` would, the type `pulumi-nodejs:dynamic/<module>:<name>` with the
 * serialized `createProviderShim(implementation)` as `__provider` (so `__provider` names only that module), but takes
 * that text from `serializedProvider`, which skips the SDK's slow serialization when nothing changed.
 */
export function dynamicResourceClass<Inputs, Outputs, Args extends object = ResourceArgs<Inputs>>(
  facts: DynamicResourceFacts<Inputs, Outputs, Args>,
): DynamicResourceClass<Args, Outputs> {
  const { implementation, type, secretInputs = [], secretOutputs = [], defaults = {} } = facts;
  const created = Object.fromEntries(Object.keys(facts.createdOutputs).map((key) => [key, undefined]));
  const secrets = [...secretInputs, ...secretOutputs];
  // Anonymous, so only the class each resource declares from it is discovered as a resource.
  const declared = class extends pulumi.CustomResource {
    constructor(name: string, args: Args, opts?: pulumi.CustomResourceOptions) {
      const props: Record<string, unknown> = { ...(args as Record<string, unknown>) };
      if (PROVIDER_KEY in props) throw new Error(`A dynamic resource must not define the ${PROVIDER_KEY} key`);
      for (const [key, value] of Object.entries(defaults)) props[key] = props[key] ?? value;
      for (const key of secretInputs) props[key] = pulumi.secret(props[key]);
      super(
        `pulumi-nodejs:dynamic/${type[0]}:${type[1]}`,
        name,
        { ...props, ...created, [PROVIDER_KEY]: serializedProvider(createProviderShim(implementation)) },
        secrets.length === 0 ? opts : withSecretOutputs(opts, secrets),
      );
    }
  };
  return declared as unknown as DynamicResourceClass<Args, Outputs>;
}
