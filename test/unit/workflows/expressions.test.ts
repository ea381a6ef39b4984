import { evaluate, evaluateIf, interpolate } from "./expressions";

const context = {
  github: {
    event_name: "issue_comment",
    event: { comment: { body: "Looks good.\r\n/Preview\r\n", user: { type: "User" } }, issue: { number: 12 } },
  },
  needs: { gate: { outputs: { approved: "true" } } },
};

describe("the expression evaluator used by the workflow tests", () => {
  it("returns an operand from && and ||, as GitHub does", () => {
    expect(evaluate("github.event.issue.number || github.event.pull_request.number", context)).toBe(12);
    expect(evaluate("github.event.action == 'closed' && 'close' || 'run'", context)).toBe("run");
    expect(evaluate("github.event.pull_request.number", context)).toBeNull();
  });

  it("compares and searches strings without regard to case", () => {
    expect(evaluate("github.event_name == 'ISSUE_COMMENT'", context)).toBe(true);
    expect(evaluate("contains(github.event.comment.body, fromJSON('\"\\n/preview\"'))", context)).toBe(true);
    expect(evaluate("startsWith(github.event.comment.body, '/preview')", context)).toBe(false);
    expect(evaluate("'it''s' == 'IT''S'", context)).toBe(true);
  });

  it("skips a job after a skipped or failed need unless the condition asks for a status", () => {
    const failed = { failed: true, cancelled: false };
    expect(evaluateIf("needs.gate.outputs.approved == 'true'", context, failed)).toBe(false);
    expect(evaluateIf("!cancelled() && needs.gate.outputs.approved == 'true'", context, failed)).toBe(true);
    expect(evaluateIf("!cancelled()", context, { failed: false, cancelled: true })).toBe(false);
    expect(evaluateIf(undefined, context)).toBe(true);
  });

  it("fills ${{ }} parts into text and refuses what it does not know", () => {
    expect(interpolate("forge-previews-run-${{ github.event.issue.number }}", context)).toBe("forge-previews-run-12");
    expect(() => evaluate("hashFiles('x')", context)).toThrow("does not know hashFiles()");
    expect(() => evaluate("github.event ==", context)).toThrow();
  });
});
