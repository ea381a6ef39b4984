/**
 * The SDK records a stack for every promise it makes (`debuggablePromise`), to print it should the promise leak, and
 * ts-node maps every stack through source maps as it is recorded: about 650 stacks and a seventh of a second before
 * the program's first resource registers. Those stacks are left in JavaScript positions; every other stack (errors,
 * resources' source positions) is still mapped to the TypeScript line.
 */
type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const RECORDER = "debuggablePromise";

function plainStack(error: Error, frames: NodeJS.CallSite[]): string {
  return `${Error.prototype.toString.call(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
}

/** Wraps the installed `Error.prepareStackTrace` (ts-node's source-map support); does nothing where none is. */
export function leavePromiseStacksUnmapped(): void {
  const mapped = Error.prepareStackTrace as PrepareStackTrace | undefined;
  if (mapped === undefined) return;
  Error.prepareStackTrace = function (this: unknown, error: Error, frames: NodeJS.CallSite[]): unknown {
    return frames[0]?.getFunctionName() === RECORDER ? plainStack(error, frames) : mapped.call(this, error, frames);
  };
}
