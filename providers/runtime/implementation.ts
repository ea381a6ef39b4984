import type * as pulumi from "@pulumi/pulumi";
import { assertProviderModulePath } from "./module-path";

/**
 * What a `providers/<kind>/index.ts` module exports as `provider`. The shim hands every method plain inputs and outputs
 * with `__provider` removed, and makes what `create`/`read`/`update` return JSON-safe before the host encodes it.
 *
 * - `check` receives the raw, unvalidated `news` (possibly holding the preview unknown) and turns them into `Inputs`.
 * - `check` and `diff` also run during preview: keep them free of side effects.
 * - `update` must return the complete `outs`: the host would otherwise wipe every output (pulumi/pulumi#9982).
 * - `read` returns `{ id: "" }` when the object is gone, so refresh drops it from state.
 */
export interface ProviderImplementation<Inputs, Outputs> {
  configure?(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  check?(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<Inputs>>;
  diff?(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  read?(id: string, props: Outputs): Promise<pulumi.dynamic.ReadResult<Outputs>>;
  update?(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  delete?(id: string, props: Outputs): Promise<void>;
}

/** The untyped view the shim has of an implementation it loaded at call time. */
export type LoadedImplementation = ProviderImplementation<Record<string, unknown>, Record<string, unknown>>;

const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/**
 * Loads `<cwd>/<modulePath>` and returns its `provider` export. `require` caches the module, so this is cheap after
 * the first call, and it always runs the code that is deployed now, not code saved in state.
 */
export function loadImplementation(modulePath: string): LoadedImplementation {
  assertProviderModulePath(modulePath);
  const path: typeof import("node:path") = require("node:path");
  const loaded: unknown = require(path.resolve(process.cwd(), modulePath));
  const provider =
    loaded !== null && typeof loaded === "object" ? (loaded as { provider?: unknown }).provider : undefined;
  if (provider === null || typeof provider !== "object") {
    throw new Error(
      `Dynamic provider module \`${modulePath}\` does not export \`provider\`; ` +
        "export `const provider: ProviderImplementation<Inputs, Outputs> = { ... }` from it",
    );
  }
  for (const method of METHODS) {
    const value: unknown = (provider as Record<string, unknown>)[method];
    if (value !== undefined && typeof value !== "function") {
      throw new Error(`\`provider.${method}\` exported by \`${modulePath}\` must be a function`);
    }
  }
  if (typeof (provider as { create?: unknown }).create !== "function") {
    throw new Error(`\`provider\` exported by \`${modulePath}\` has no \`create\` method`);
  }
  return provider as LoadedImplementation;
}
