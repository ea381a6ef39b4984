import type * as pulumi from "@pulumi/pulumi";
import type { ShimRuntime } from "./dispatch";
import { assertProviderModulePath } from "./module-path";

/**
 * Loads the kit's host-side runtime from the project root. This function is serialized into every `__provider`, so it
 * may only use `require`, `process` and string constants: anything else it referenced would be copied into state.
 *
 * The dynamic-provider host is a plain `node` process started in the project root; it cannot load TypeScript until
 * ts-node is registered. A compiled project (`.js` next to the sources) resolves without it.
 */
function loadShimRuntime(): ShimRuntime {
  const path: typeof import("node:path") = require("node:path");
  const kitPath = path.resolve(process.cwd(), "providers/provider-kit");
  if (require.extensions[".ts"] === undefined) {
    let resolvable = true;
    try {
      require.resolve(kitPath);
    } catch {
      resolvable = false;
    }
    if (!resolvable) {
      const fs: typeof import("node:fs") = require("node:fs");
      if (!fs.existsSync(`${kitPath}.ts`)) {
        throw new Error(
          `Cannot find ${kitPath} (.js or .ts): the dynamic-provider host loads providers from its working directory, ` +
            "which must be the Pulumi project root with its node_modules installed",
        );
      }
      require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
    }
  }
  const kit: { shimRuntime: ShimRuntime } = require(kitPath);
  return kit.shimRuntime;
}

/** A `ResourceProvider` whose serialized form names its implementation module and nothing else. */
export type ProviderShim = pulumi.dynamic.ResourceProvider & { readonly implementationModule: string };

const shims = new Map<string, ProviderShim>();

/**
 * Returns the provider to pass to `super(...)` in a `dynamic.Resource`. Its serialized `__provider` holds only
 * `modulePath` (e.g. `"providers/forge-site"`); each method loads `<project root>/<modulePath>` in the host at call
 * time and forwards to its `provider` export. So `__provider` stays small and stable across code changes, refresh and
 * destroy run the current code rather than code saved in state (pulumi/pulumi#16826), and no credential can be
 * captured. One instance per path, so the SDK serializes it once (it caches by provider object).
 */
export function createProviderShim(modulePath: string): ProviderShim {
  assertProviderModulePath(modulePath);
  const existing = shims.get(modulePath);
  if (existing) return existing;
  const shim: ProviderShim = {
    implementationModule: modulePath,
    async configure(req) {
      await loadShimRuntime().configure(modulePath, req);
    },
    async check(olds, news) {
      return loadShimRuntime().check(modulePath, olds, news);
    },
    async diff(id, olds, news) {
      return loadShimRuntime().diff(modulePath, id, olds, news);
    },
    async create(inputs) {
      return loadShimRuntime().create(modulePath, inputs);
    },
    async read(id, props) {
      return loadShimRuntime().read(modulePath, id, props ?? {});
    },
    async update(id, olds, news) {
      return loadShimRuntime().update(modulePath, id, olds, news);
    },
    async delete(id, props) {
      await loadShimRuntime().delete(modulePath, id, props);
    },
  };
  shims.set(modulePath, shim);
  return shim;
}

/**
 * The code of every function a shim's serialized text is made from, as this process compiled it: part of the key of
 * the serialized-provider cache, so any change to the shim (or to how it is compiled) misses.
 */
export const SHIM_CODE = [loadShimRuntime, createProviderShim].map(String).join("\n");
