import { Redactor, plainOutput } from "../../../../cli/github/redactor";
import { SECRET_KEYS } from "../../../../stacks/config-keys";

describe("Redactor", () => {
  it("masks each secret once, and each line of a multi-line one", () => {
    const emitted: string[] = [];
    const redactor = new Redactor((line) => emitted.push(line));
    redactor.add("s3cr3t-value");
    redactor.add("s3cr3t-value");
    redactor.add("-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----");
    expect(emitted).toEqual([
      "::add-mask::s3cr3t-value",
      "::add-mask::-----BEGIN KEY-----%0AAAAABBBBCCCC%0A-----END KEY-----",
      "::add-mask::-----BEGIN KEY-----",
      "::add-mask::AAAABBBBCCCC",
      "::add-mask::-----END KEY-----",
    ]);
    expect(redactor.redact("key AAAABBBBCCCC and s3cr3t-value")).toBe("key [REDACTED] and [REDACTED]");
  });

  it("takes known secret variables from four characters and guesses others by name only when longer", () => {
    const redactor = new Redactor();
    redactor.addFromEnv({
      FORGE_TOKEN: "abc1",
      MY_API_TOKEN: "long-enough-token",
      OTHER_TOKEN: "short",
      PATH: "/usr/bin",
      CI: "true",
    });
    expect(redactor.redact("abc1 long-enough-token short /usr/bin true")).toBe(
      "[REDACTED] [REDACTED] short /usr/bin true",
    );
  });

  it("takes the variable of every secret in the configuration key table, even below the length of a guess", () => {
    const redactor = new Redactor();
    const env = Object.fromEntries(SECRET_KEYS.map(({ env }, index) => [env ?? "", `v${index}xy`]));
    redactor.addFromEnv(env);
    expect(redactor.redact(Object.values(env).join(" "))).toBe(SECRET_KEYS.map(() => "[REDACTED]").join(" "));
  });

  it("takes secret stack outputs, wrapped or named like one", () => {
    const redactor = new Redactor();
    redactor.addFromOutputs({
      url: "https://x",
      basicAuthPassword: "pw-one-1234",
      extra: { value: "pw-two-5678", secret: true },
      siteId: 77,
    });
    expect(redactor.redact("https://x pw-one-1234 pw-two-5678 77")).toBe("https://x [REDACTED] [REDACTED] 77");
  });

  it("removes generic secret shapes it was never told about", () => {
    expect(new Redactor().redact("fetch https://user:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com")).toBe(
      "fetch https://[REDACTED]@github.com",
    );
  });
});

describe("plainOutput", () => {
  it("never returns a secret output", () => {
    expect(plainOutput({ databasePassword: "x" }, "databasePassword")).toBeNull();
    expect(plainOutput({ note: { value: "x", secret: true } }, "note")).toBeNull();
    expect(plainOutput({ url: { value: "https://y", secret: false } }, "url")).toBe("https://y");
    expect(plainOutput({ pr: 12 }, "pr")).toBe("12");
  });
});
