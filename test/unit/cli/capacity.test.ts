// `maxEnvironments` is one rule for a laptop's `forge-previews up` and for the GitHub automation.
import { CapacityExceededError, checkCapacity } from "../../../cli/capacity";

const live = (...stacks: string[]) => stacks.map((stack) => ({ stack }));

describe("checkCapacity", () => {
  it("allows a new preview while fewer than the limit exist", () => {
    expect(checkCapacity(live("pr-1"), "pr-2", 2)).toEqual({ allowed: true });
  });

  it("refuses a new preview once the limit is reached, listing what holds the places", () => {
    expect(checkCapacity(live("pr-1", "shop-pr-4"), "pr-2", 2)).toEqual({
      allowed: false,
      live: live("pr-1", "shop-pr-4"),
      max: 2,
    });
  });

  it("never refuses a preview that already exists, even past the limit, since its up is an update", () => {
    expect(checkCapacity(live("pr-1", "pr-2", "pr-3"), "pr-2", 2)).toEqual({ allowed: true });
  });

  it("keeps the fields of what it is given, so the GitHub path can list app, PR and last update", () => {
    const previews = [{ stack: "pr-1", app: "demo", pr: 1, lastUpdate: "2026-01-01T00:00:00Z" }];
    const check = checkCapacity(previews, "pr-2", 1);
    expect(check.allowed ? null : check.live[0]).toEqual(previews[0]);
  });
});

describe("CapacityExceededError", () => {
  it("names the refused stack, the limit, the existing previews and our CLI's commands", () => {
    const check = checkCapacity(live("shop-pr-4", "pr-1"), "pr-2", 2);
    if (check.allowed) throw new Error("expected a refusal");
    expect(new CapacityExceededError("pr-2", check).message).toBe(
      "All 2 preview environments are in use (`maxEnvironments` is 2), so pr-2 was not created; nothing was changed. " +
        "Existing previews: pr-1, shop-pr-4. Destroy one that is no longer needed (`forge-previews destroy --app <app> --pr <n>`; " +
        "`forge-previews list` shows them) or raise `maxEnvironments`, then run `up` again.",
    );
  });
});
