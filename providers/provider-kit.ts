/**
 * Shared plumbing for the project's dynamic resources. A resource in `providers/<kind>.ts` passes
 * `createProviderShim("providers/<kind>")` to `super(...)` and exports its real methods as
 * `provider: ProviderImplementation<Inputs, Outputs>`; the shim loads them in the dynamic-provider host at call time.
 * Credentials are read inside those methods with `readStackConfig` (or from the environment), never captured.
 */
export { createProviderShim, type ProviderShim } from "./kit/shim";
export { type ProviderImplementation } from "./kit/implementation";
export { shimRuntime, type ShimRuntime } from "./kit/dispatch";
export { assertProviderModulePath } from "./kit/module-path";
export { PROJECT_NAME, readStackConfig, useStackConfig, type StackConfigSource } from "./kit/stack-config";
export { type JsonObject, type JsonValue, toJsonSafe, toJsonSafeObject } from "./kit/json-safe";
export { UNKNOWN_SENTINEL, containsUnknown, isUnknown } from "./kit/unknowns";
export { PartialFailureError, isPartialFailure, partialFailure } from "./kit/partial-failure";
