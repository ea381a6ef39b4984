import {
  LOG_TAIL_LINES,
  MIN_SECRET_LENGTH,
  REDACTED,
  redactSecrets,
  redactText,
  redactedLogTail,
} from "../../../../providers/common/redact";

describe("redactSecrets", () => {
  it.each([
    [
      "a known secret, wherever it appears",
      "connecting with pw-0d9a7e to db (pw-0d9a7e)",
      ["pw-0d9a7e"],
      `connecting with ${REDACTED} to db (${REDACTED})`,
    ],
    ["a known secret of the minimum length", "pin is 42xy", ["42xy"], `pin is ${REDACTED}`],
    [
      "the URL-encoded form of a known secret",
      "mysql://u@h?password=p%40ss%2Fw0rd",
      ["p@ss/w0rd"],
      `mysql://u@h?password=${REDACTED}`,
    ],
    ["the JSON-escaped form of a known secret", '{"pw":"a\\"bc"}', ['a"bc'], `{"pw":"${REDACTED}"}`],
    [
      "a longer secret before one it contains",
      "token abcdef-123 and abcdef",
      ["abcdef", "abcdef-123"],
      `token ${REDACTED} and ${REDACTED}`,
    ],
    ["DB_PASSWORD=… lines", "DB_PASSWORD=hunter2", [], `DB_PASSWORD=${REDACTED}`],
    ["quoted values", 'MAIL_PASSWORD="my secret"', [], `MAIL_PASSWORD=${REDACTED}`],
    ["password: … in YAML or logs", "  password: s3cr3t", [], `  password: ${REDACTED}`],
    ["--password=… options", "mysql --password=s3cr3t -e 'select 1'", [], `mysql --password=${REDACTED} -e 'select 1'`],
    ["JSON keys naming a secret", '{"api_key": "k-123", "name": "x"}', [], `{"api_key": ${REDACTED}, "name": "x"}`],
    ["Laravel APP_KEY values anywhere", "key is base64:c2VjcmV0LWtleS1mb3ItdGVzdHM= now", [], `key is ${REDACTED} now`],
    [
      "credentials in a git remote URL",
      "fatal: unable to access 'https://x-access-token:ghs_abcdefghijklmnopqrstu@github.com/acme/app.git/'",
      [],
      `fatal: unable to access 'https://${REDACTED}@github.com/acme/app.git/'`,
    ],
    ["GitHub tokens on their own", "using ghp_abcdefghijklmnopqrstuvwxyz0123456789", [], `using ${REDACTED}`],
    ["bearer tokens", "Authorization: Bearer abc.def.ghi-jkl", [], `Authorization: Bearer ${REDACTED}`],
    [
      "private key blocks across lines",
      "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\nBBBB\n-----END OPENSSH PRIVATE KEY-----\ndone",
      [],
      `key:\n${REDACTED}\ndone`,
    ],
    ["an unterminated private key block to the end", "-----BEGIN RSA PRIVATE KEY-----\nAAAA", [], REDACTED],
    ["STRIPE_KEY-style variables", "STRIPE_KEY=sk_live_abc", [], `STRIPE_KEY=${REDACTED}`],
  ])("redacts %s", (_what, text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });

  it.each([
    ["ordinary deployment output", "Installing dependencies from lock file\nGenerating optimized autoload files"],
    ["a migration line", "2024_01_01_000000_create_users_table ........ 12ms DONE"],
    ["composer flags", "$FORGE_COMPOSER install --no-interaction --prefer-dist --optimize-autoloader --no-dev"],
    ["a commit line", "HEAD is now at 0123456 Fix the login form"],
  ])("leaves %s alone", (_what, text) => {
    expect(redactSecrets(text, [])).toBe(text);
  });
});

describe("redactText", () => {
  it(`leaves known secrets shorter than ${MIN_SECRET_LENGTH} characters in place, so a one-character value cannot blank out every digit`, () => {
    expect(redactText("run 1 took 12 s, pin 42x", ["1", "42x"])).toBe("run 1 took 12 s, pin 42x");
  });

  it("replaces known secrets only, not generic shapes, for text that is not a log", () => {
    expect(redactText("password: given token-1234", ["token-1234"])).toBe(`password: given ${REDACTED}`);
  });
});

describe("redactedLogTail", () => {
  const log = Array.from({ length: 100 }, (_unused, index) => `line ${index + 1}`).join("\n");

  it(`keeps the last ${LOG_TAIL_LINES} lines and says how many were left out`, () => {
    const tail = redactedLogTail(`${log}\n`, []).split("\n");

    expect(tail).toHaveLength(LOG_TAIL_LINES + 1);
    expect(tail[0]).toBe("… (60 earlier lines not shown)");
    expect(tail[1]).toBe("line 61");
    expect(tail[LOG_TAIL_LINES]).toBe("line 100");
  });

  it("shows a short log whole", () => {
    expect(redactedLogTail("one\r\ntwo\n", [])).toBe("one\ntwo");
  });

  it("redacts before cutting, so a key block that starts above the cut does not leak its body", () => {
    const body = Array.from({ length: 45 }, () => "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=").join("\n");
    const withKey = `start\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\nfailed`;

    const tail = redactedLogTail(withKey, []);

    expect(tail).not.toContain("QUJD");
    expect(tail).toBe(`start\n${REDACTED}\nfailed`);
  });

  it("cuts very long lines", () => {
    const tail = redactedLogTail("x".repeat(2_000), []);

    expect(tail).toBe(`${"x".repeat(500)}…`);
  });
});
