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

  it.each([
    ["a leading `_` (a system account)", "_apt", START],
    ["a leading digit", "1pr", START],
    ["a leading `-`", "-pr", START],
    ["upper case", "Pr1", START],
    ["a trailing `$` (a machine account)", "host$", START],
    ["a dot", "pr.1", START],
    ["the empty name", "", START],
    ["33 characters", "a".repeat(33), "must be at most 32 characters"],
  ])("refuses %s", (_what, user, problem) => {
    expect(linuxUserProblem(user)).toBe(problem);
    expect(LINUX_USER.test(user)).toBe(false);
  });
});
