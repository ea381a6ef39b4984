/**
 * The runtime every dynamic resource shares. A resource in `providers/<kind>/index.ts` declares its class with
 * `dynamicResourceClass({ implementation: "providers/<kind>", ... })`, which passes `createProviderShim` to the SDK, and
 * exports its real methods as `provider: ProviderImplementation<Inputs, Outputs>`; the shim loads them in the
 * dynamic-provider host at call time.
 * Credentials are read inside those methods with `readStackConfig` (or from the environment), never captured.
 */
export { createProviderShim, type ProviderShim } from "./shim";
export { type ProviderImplementation } from "./implementation";
export { shimRuntime, type ShimRuntime } from "./dispatch";
export { assertProviderModulePath } from "./module-path";
export { PROJECT_NAME, readStackConfig, useStackConfig, type StackConfigSource } from "./stack-config";
export { type JsonObject, type JsonValue, toJsonSafe, toJsonSafeObject } from "./json-safe";
export { UNKNOWN_SENTINEL, containsUnknown, isUnknown } from "./unknowns";
export { PartialFailureError, isPartialFailure, partialFailure } from "./partial-failure";
export { forgeClientFromStackConfig, pollPacing } from "./forge-connection";
export { mysqlAccessFromStackConfig } from "./mysql-access";
export { deleteAndWaitGone, waitUntilGone } from "./forge-removal";
export { pureCheckAndDiff } from "./pure-rules";
export { type ResourceArgs, type ResourceOutputs, dynamicResourceClass } from "./resource-args";
