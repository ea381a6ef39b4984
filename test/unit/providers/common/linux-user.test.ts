import { LINUX_USER, linuxUserProblem } from "../../../../providers/common/linux-user";

const START = "must start with a lower-case letter followed by lower-case letters, digits, `-` or `_`";

describe("linuxUserProblem", () => {
  it.each([
    ["a single letter", "a"],
    ["a preview user", "customer-pr123"],
    ["digits, `-` and `_` after the first letter", "a1-b_2"],
    ["32 characters", "a".repeat(32)],
  ])("accepts %s", (_what, user) => {
    expect(linuxUserProblem(user)).toBeNull();
    expect(LINUX_USER.test(user)).toBe(true);
  });

  // A leading `_` is a system account, a trailing `$` a machine account; a digit, `-`, capital or `.` is not allowed.
  it.each(["_apt", "1pr", "-pr", "Pr1", "host$", "pr.1", ""])(
    "refuses %j, which does not start with a letter or holds another character",
    (user) => {
      expect(linuxUserProblem(user)).toBe(START);
      expect(LINUX_USER.test(user)).toBe(false);
    },
  );

  it("refuses 33 characters", () => {
    expect(linuxUserProblem("a".repeat(33))).toBe("must be at most 32 characters");
    expect(LINUX_USER.test("a".repeat(33))).toBe(false);
  });
});
