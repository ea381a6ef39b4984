/**
 * The host-side entry point that every serialized shim loads, by this exact path: the path is part of each
 * `__provider` text in every stack's state, including states written before the runtime moved to `providers/runtime/`.
 * Moving or renaming this file would strand those stacks, so it stays and only forwards.
 */
// First, so that the runtime and every implementation load from the transpile cache.
import "./transpile-cache";
export { shimRuntime } from "./runtime";
