import { ForgeWaitTimeoutError, waitDone, waitFor, waitPending, type WaitResult } from "../../../../providers/forge";
import { fakeTime } from "../../../support/fake-time";

function statuses(...sequence: string[]) {
  let calls = 0;
  const check = async (): Promise<WaitResult<string>> => {
    const status = sequence[Math.min(calls, sequence.length - 1)]!;
    calls += 1;
    return status === "installed" ? waitDone(status) : waitPending(status);
  };
  return { check, calls: () => calls };
}

describe("waitFor", () => {
  it("returns the value once the check reports done", async () => {
    const time = fakeTime();
    const target = statuses("installing", "installing", "installed");
    await expect(
      waitFor(target.check, { what: "site 7", timeoutMs: 60_000, intervalMs: 1000, backoff: 2, ...time }),
    ).resolves.toBe("installed");
    expect(target.calls()).toBe(3);
    expect(time.sleeps).toStrictEqual([1000, 2000]);
  });

  it("grows the pause by the backoff factor up to the ceiling", async () => {
    const time = fakeTime();
    const target = statuses("a", "a", "a", "a", "a", "installed");
    await waitFor(target.check, {
      what: "x",
      timeoutMs: 60_000,
      intervalMs: 100,
      backoff: 3,
      maxIntervalMs: 1000,
      ...time,
    });
    expect(time.sleeps).toStrictEqual([100, 300, 900, 1000, 1000]);
  });

  it("times out naming the object and its last status, after one final check at the deadline", async () => {
    const time = fakeTime();
    const target = statuses("creating", "installing");
    const promise = waitFor(target.check, {
      what: "site 7 (pr-7.example.dev) to be installed",
      timeoutMs: 10_000,
      intervalMs: 4000,
      backoff: 1,
      ...time,
    });
    await expect(promise).rejects.toBeInstanceOf(ForgeWaitTimeoutError);
    await expect(promise).rejects.toThrow(
      "Timed out after 10 s waiting for site 7 (pr-7.example.dev) to be installed (last status `installing`)",
    );
    expect(time.sleeps).toStrictEqual([4000, 4000, 2000]);
    expect(target.calls()).toBe(4);
  });

  it("lets an error thrown by the check end the wait at once", async () => {
    const time = fakeTime();
    let calls = 0;
    const check = async (): Promise<WaitResult<never>> => {
      calls += 1;
      throw new Error("deployment 3 failed");
    };
    await expect(waitFor(check, { what: "deployment 3", timeoutMs: 60_000, intervalMs: 10, ...time })).rejects.toThrow(
      "deployment 3 failed",
    );
    expect(calls).toBe(1);
  });

  it("reports that no status was seen when the check never gave one", async () => {
    const time = fakeTime();
    const promise = waitFor(async () => waitPending(null), {
      what: "certificate 9",
      timeoutMs: 0,
      intervalMs: 10,
      ...time,
    });
    await expect(promise).rejects.toThrow("Timed out after 0 s waiting for certificate 9 (no status seen)");
  });
});
