import { PreviewOperationError } from "../../../cli/pulumi/operation-error";
import type { ProgressReport } from "../../../cli/progress";

const report = (errors: string[]): ProgressReport => ({
  changes: {},
  result: "failed",
  steps: [],
  failedSteps: [],
  errors,
});

describe("the message of a failed preview operation", () => {
  it("says a failed refresh changed nothing on Forge and names our refresh command", () => {
    const error = new PreviewOperationError("refresh", "pr-7", report(["cannot read site 12"]), [], "", 4_000);

    expect(error.message).toMatch(/^`pulumi refresh` of stack pr-7 failed after /);
    expect(error.message).toContain("  - cannot read site 12");
    expect(error.message).toContain("A refresh changes nothing on Forge");
    expect(error.message).toContain("run `forge-previews refresh` again");
  });

  it("falls back to the CLI's stderr when the engine reported no error", () => {
    const error = new PreviewOperationError("up", "pr-7", report([]), [], "error: no stack named pr-7", 1_000);

    expect(error.message).toContain("error: no stack named pr-7");
    expect(error.message).toContain("run the same `up` again");
  });
});
