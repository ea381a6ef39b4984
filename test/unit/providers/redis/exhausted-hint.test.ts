// The message of an exhausted Redis range is read by whoever ran `up`: it must name the holders and the command of
// our CLI that frees each one, never a raw `pulumi` command that needs the stack and backend set up by hand.
import { RedisSlotsExhaustedError } from "../../../../providers/redis";

describe("RedisSlotsExhaustedError", () => {
  const error = new RedisSlotsExhaustedError(2, 4, "shop-pr-9", [
    {
      slot: 3,
      kind: "claimed",
      claim: { stack: "shop-pr-7", app: "shop", pr: 7, claimedAt: "2026-03-01T10:00:00.000Z" },
    },
    {
      slot: 2,
      kind: "claimed",
      claim: { stack: "pr-4", app: "customer", pr: 4, claimedAt: "2026-02-01T10:00:00.000Z" },
    },
    { slot: 4, kind: "claimed", claim: null },
  ]);

  it("names the forge-previews destroy command of each holder next to it", () => {
    expect(error.message.split("\n")).toEqual([
      "No free Redis database in 2-4 for stack shop-pr-9:",
      "  - database 2: held by stack pr-4 (app customer, PR 4, claimed at 2026-02-01T10:00:00.000Z); `forge-previews destroy --app customer --pr 4` frees it",
      "  - database 3: held by stack shop-pr-7 (app shop, PR 7, claimed at 2026-03-01T10:00:00.000Z); `forge-previews destroy --app shop --pr 7` frees it",
      "  - database 4: held by an unreadable claim",
      "Destroy a preview that is no longer needed (`forge-previews destroy --app <app> --pr <n>`, or comment `/destroy` on its PR), " +
        "widen `redisSlotRange`, or empty an unclaimed database that nothing uses.",
    ]);
  });

  it("tells no one to run pulumi itself", () => {
    expect(error.message).not.toMatch(/`pulumi /);
  });
});
