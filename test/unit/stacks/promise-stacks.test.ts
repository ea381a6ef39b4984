import { leavePromiseStacksUnmapped } from "../../../stacks/promise-stacks";

describe("leavePromiseStacksUnmapped", () => {
  const installed = Error.prepareStackTrace;
  // Stands in for ts-node's source-map support: every stack it formats says so.
  const mapped = (error: Error): string => `mapped: ${error.message}`;

  beforeEach(() => {
    Error.prepareStackTrace = mapped;
    leavePromiseStacksUnmapped();
  });
  afterEach(() => {
    Error.prepareStackTrace = installed;
  });

  it("formats the stack the SDK records in debuggablePromise without source maps", () => {
    function debuggablePromise(): string | undefined {
      return new Error("recorded").stack;
    }

    const stack = debuggablePromise() ?? "";

    expect(stack).toMatch(/^Error: recorded\n {4}at debuggablePromise \(.*promise-stacks\.test\.ts:\d+:\d+\)/);
    expect(stack).not.toContain("mapped");
  });

  it("still maps every other stack", () => {
    function failing(): string | undefined {
      return new Error("failed").stack;
    }

    expect(failing()).toBe("mapped: failed");
  });
});
