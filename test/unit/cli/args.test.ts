import { checkArguments, parseCommandLine, parseFlags } from "../../../cli/args";
import { UsageError } from "../../../cli/cli-config";
import { UserError } from "../../../providers/common/user-error";

const FLAGS = {
  pr: { type: "string", required: "the pull request number" },
  app: { type: "string" },
  json: { type: "boolean" },
} as const;

describe("parseFlags", () => {
  it("returns each flag by name, with an absent boolean as false and an absent optional string as undefined", () => {
    expect(parseFlags(["--pr", "7"], FLAGS)).toStrictEqual({ pr: "7", app: undefined, json: false });
    expect(parseFlags(["--json", "--app", "shop", "--pr", "7"], FLAGS)).toStrictEqual({
      pr: "7",
      app: "shop",
      json: true,
    });
  });

  it("names a missing required flag and what it is", () => {
    expect(() => parseFlags(["--json"], FLAGS)).toThrow(new UsageError("`--pr` is required: the pull request number."));
  });

  it("refuses a positional argument before complaining about a missing flag", () => {
    expect(() => parseFlags(["extra"], FLAGS)).toThrow(new UsageError('Unexpected argument "extra".'));
  });

  it("refuses an unknown flag as a UsageError", () => {
    expect(() => parseFlags(["--pr", "7", "--all"], FLAGS)).toThrow(UsageError);
  });
});

describe("parseCommandLine", () => {
  it("returns the positional arguments beside the flags", () => {
    expect(parseCommandLine(["destroy", "--json"], { json: { type: "boolean" } })).toStrictEqual({
      values: { json: true },
      positionals: ["destroy"],
    });
  });
});

describe("checkArguments", () => {
  it("turns a UserError from an input check into a UsageError with the same message", () => {
    const check = () =>
      checkArguments(() => {
        throw new UserError("PR number must be a whole number.");
      });
    expect(check).toThrow(UsageError);
    expect(check).toThrow("PR number must be a whole number.");
  });

  it("passes any other error through unchanged", () => {
    const bug = new TypeError("boom");
    expect(() =>
      checkArguments(() => {
        throw bug;
      }),
    ).toThrow(bug);
  });

  it("returns the check's value when it passes", () => {
    expect(checkArguments(() => 42)).toBe(42);
  });
});
