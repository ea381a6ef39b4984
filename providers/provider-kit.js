/**
 * The host-side entry point that every serialized shim loads, by this exact path (`providers/provider-kit`, from the
 * host's working directory): the path is part of each `__provider` text in every stack's state, including states
 * written before the runtime moved to `providers/runtime/`, so it stays and only forwards.
 *
 * Plain JavaScript, so the shim finds it without registering ts-node first: the host loader then serves the runtime
 * and every implementation from their transpiled output. Where ts-node already handles `.ts` (a host started under
 * it), the transpile cache wraps ts-node instead.
 */
"use strict";
if (require.extensions[".ts"] === undefined) require("./host-loader").install();
else require("./transpile-cache");
module.exports = { shimRuntime: require("./runtime").shimRuntime };
