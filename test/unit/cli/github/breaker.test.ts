import { type DeploymentOutcome, evaluateBreaker } from "../../../../cli/github/breaker";

const NOW = new Date("2025-03-04T10:00:00.000Z");

function outcome(outcome: "success" | "failure", at: string): DeploymentOutcome {
  return { environment: "preview/pr-1", outcome, at: new Date(at) };
}

describe("evaluateBreaker", () => {
  it("opens after three consecutive failures, until 30 minutes after the latest", () => {
    const state = evaluateBreaker(
      [
        outcome("failure", "2025-03-04T09:50:00Z"),
        outcome("failure", "2025-03-04T09:00:00Z"),
        outcome("failure", "2025-03-03T09:00:00Z"),
      ],
      NOW,
    );
    expect(state).toMatchObject({ open: true, until: new Date("2025-03-04T10:20:00.000Z") });
  });

  it.each([
    ["two failures", [outcome("failure", "2025-03-04T09:50:00Z"), outcome("failure", "2025-03-04T09:40:00Z")]],
    [
      "a success among the last three",
      [
        outcome("failure", "2025-03-04T09:50:00Z"),
        outcome("success", "2025-03-04T09:45:00Z"),
        outcome("failure", "2025-03-04T09:40:00Z"),
        outcome("failure", "2025-03-04T09:30:00Z"),
      ],
    ],
    [
      "a pause already over",
      [
        outcome("failure", "2025-03-04T09:30:00Z"),
        outcome("failure", "2025-03-04T09:20:00Z"),
        outcome("failure", "2025-03-04T09:10:00Z"),
      ],
    ],
    ["no history", []],
  ])("stays closed with %s", (_what, outcomes) => {
    expect(evaluateBreaker(outcomes, NOW)).toEqual({ open: false });
  });
});
