import type { PullRequestInfo } from "../../../../cli/github/github-api";
import { SWEEP_DEFAULTS, type SweepFacts, planSweep } from "../../../../cli/sweep/plan";
import { summary } from "../../../support/github/fake-operations";

const NOW = new Date("2025-03-31T12:00:00.000Z");

function pull(overrides: Partial<PullRequestInfo> = {}): PullRequestInfo {
  return {
    number: 5,
    state: "open",
    merged: false,
    headRef: "feature/x",
    headSha: "a".repeat(40),
    headRepo: "acme/customer",
    baseRepo: "acme/customer",
    labels: [],
    ...overrides,
  };
}

function facts(overrides: Partial<SweepFacts> = {}, lastUpdate = "2025-03-20T12:00:00.000Z"): SweepFacts {
  return {
    preview: summary({ stack: "pr-5", pr: 5, lastUpdate }),
    repository: "acme/customer",
    pull: pull(),
    warning: null,
    ...overrides,
  };
}

describe("planSweep", () => {
  it("destroys the preview of a closed PR whatever its age", () => {
    expect(planSweep(facts({ pull: pull({ state: "closed", merged: true }) }), NOW)).toEqual({
      action: "destroy",
      reason: "PR acme/customer#5 is merged",
    });
  });

  it("keeps a recently updated preview and says when it expires", () => {
    expect(planSweep(facts(), NOW)).toEqual({
      action: "keep",
      reason: "updated 11 days ago; expires 2025-04-19T12:00:00.000Z",
    });
  });

  it("warns once the TTL is within warnDays, scheduling removal for when the TTL ends", () => {
    // Last update 2025-03-04T12:00 → expires 2025-04-03T12:00, warnings from 2025-03-31T12:00 (now).
    expect(planSweep(facts({}, "2025-03-04T12:00:00.001Z"), NOW)).toMatchObject({ action: "keep" });
    expect(planSweep(facts({}, "2025-03-04T12:00:00.000Z"), NOW)).toEqual({
      action: "warn",
      reason: "not updated for 27 days (TTL 30)",
      destroyAfter: new Date("2025-04-03T12:00:00.000Z"),
    });
  });

  it("gives the full warning period when the warning comes late", () => {
    expect(planSweep(facts({}, "2025-03-03T12:00:00.000Z"), NOW)).toMatchObject({
      action: "warn",
      destroyAfter: new Date("2025-04-03T12:00:00.000Z"),
    });
  });

  it("never destroys without a warning warnDays old, even past the TTL", () => {
    expect(planSweep(facts({}, "2025-01-01T00:00:00.000Z"), NOW)).toEqual({
      action: "warn",
      reason: "not updated for 89 days (TTL 30)",
      destroyAfter: new Date("2025-04-03T12:00:00.000Z"),
    });
  });

  /** A warning given after `lastUpdate` at `warnedAt`, for removal after `destroyAfter`. */
  const warned = (lastUpdate: string, warnedAt: string, destroyAfter: string) => ({
    warning: { lastUpdate, warnedAt, destroyAfter },
  });

  it.each([
    [
      "waits after a warning until its removal time",
      warned("2025-03-01T00:00:00.000Z", "2025-03-30T00:00:00.000Z", "2025-04-02T00:00:00.000Z"),
      { action: "keep", reason: "warned at 2025-03-30T00:00:00.000Z; removal after 2025-04-02T00:00:00.000Z" },
    ],
    [
      "destroys after the warning's removal time has passed",
      warned("2025-02-01T00:00:00.000Z", "2025-03-26T00:00:00.000Z", "2025-03-29T00:00:00.000Z"),
      { action: "destroy", reason: "not updated for 58 days (TTL 30); warned at 2025-03-26T00:00:00.000Z" },
    ],
  ])("%s", (_sentence, overrides, expected) => {
    expect(planSweep(facts(overrides, overrides.warning.lastUpdate), NOW)).toEqual(expected);
  });

  it("ignores a warning given for an earlier update and warns afresh", () => {
    const warning = {
      lastUpdate: "2025-01-01T00:00:00.000Z",
      warnedAt: "2025-01-28T00:00:00.000Z",
      destroyAfter: "2025-01-31T00:00:00.000Z",
    };
    expect(planSweep(facts({ warning }, "2025-02-20T00:00:00.000Z"), NOW)).toMatchObject({ action: "warn" });
  });

  it("exempts a PR labelled keep-preview", () => {
    expect(
      planSweep(facts({ pull: pull({ labels: ["bug", "keep-preview"] }) }, "2024-01-01T00:00:00.000Z"), NOW),
    ).toEqual({ action: "keep", reason: "labelled `keep-preview`" });
  });

  it("honours another keep label", () => {
    expect(
      planSweep(facts({ pull: pull({ labels: ["pinned"] }) }, "2024-01-01T00:00:00.000Z"), NOW, {
        ...SWEEP_DEFAULTS,
        keepLabel: "pinned",
      }),
    ).toMatchObject({ action: "keep" });
  });

  it.each([
    ["an unconfigured app", { repository: null }, "app `customer` is not in the `apps` config"],
    ["a PR the token cannot read", { pull: null }, "PR acme/customer#5 cannot be read with the token"],
    [
      "a stack being updated",
      { preview: summary({ stack: "pr-5", pr: 5, status: "in-progress", lastUpdate: "2024-01-01T00:00:00.000Z" }) },
      "an update is running",
    ],
    [
      "an unknown last update",
      { preview: summary({ stack: "pr-5", pr: 5, lastUpdate: null }) },
      "last update time is unknown",
    ],
  ])("leaves alone %s", (_what, overrides, reason) => {
    const plan = planSweep(facts(overrides as Partial<SweepFacts>), NOW);
    expect(plan.action).toBe("skip");
    expect(plan.reason).toContain(reason);
  });
});
