import type { Certificate } from "../../../../providers/forge";
import {
  assessCertificate,
  checkCertInputs,
  DUPLICATE_WINDOW_MS,
  duplicateLimitRefusal,
  isAdoptable,
  planCertReplacement,
} from "../../../../providers/lets-encrypt-cert/rules";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";

const LETSENCRYPT = {
  serverId: 1,
  siteId: 12,
  domain: "pr-12.preview.example.com",
  mode: "letsencrypt",
  cloneCertificateId: null,
};
const CLONE = { ...LETSENCRYPT, mode: "clone", cloneCertificateId: 77 };

function certificate(overrides: Partial<Certificate>): Certificate {
  return {
    id: 5,
    type: "letsencrypt",
    verificationMethod: "http-01",
    keyType: "ecdsa",
    preferredChain: "ISRG Root X1",
    requestStatus: "created",
    status: "installed",
    active: true,
    ...overrides,
  };
}

describe("certificate input check", () => {
  it.each([LETSENCRYPT, CLONE])("accepts %j", (inputs) => {
    expect(checkCertInputs(inputs)).toStrictEqual({ inputs, failures: [] });
  });

  it("treats a missing cloneCertificateId as null", () => {
    const { cloneCertificateId: _omitted, ...withoutClone } = LETSENCRYPT;

    expect(checkCertInputs(withoutClone)).toStrictEqual({ inputs: LETSENCRYPT, failures: [] });
  });

  it.each<[string, Record<string, unknown>]>([
    ["serverId", { serverId: 0 }],
    ["siteId", { siteId: "12" }],
    ["domain", { domain: "*.preview.example.com" }],
    ["domain", { domain: "PR-12.preview.example.com" }],
    ["domain", { domain: "localhost" }],
    ["domain", { domain: "pr-12..example.com" }],
    ["domain", { domain: "-pr.example.com" }],
    ["domain", { domain: `${"a".repeat(64)}.example.com` }],
    ["mode", { mode: "existing" }],
    ["cloneCertificateId", { cloneCertificateId: 77 }],
    ["cloneCertificateId", { mode: "clone", cloneCertificateId: null }],
    ["cloneCertificateId", { mode: "clone", cloneCertificateId: -3 }],
  ])("refuses a bad %s with a failure naming it", (field, change) => {
    const { failures } = checkCertInputs({ ...LETSENCRYPT, ...change });

    expect(failures).toStrictEqual([{ property: field, reason: expect.stringContaining(`\`${field}\``) }]);
  });

  it("accepts unknown values during preview", () => {
    const news = { ...CLONE, siteId: UNKNOWN_SENTINEL, mode: UNKNOWN_SENTINEL, cloneCertificateId: UNKNOWN_SENTINEL };

    expect(checkCertInputs(news).failures).toStrictEqual([]);
  });
});

describe("certificate replacement plan", () => {
  it("plans nothing when nothing changed", () => {
    expect(planCertReplacement(LETSENCRYPT, LETSENCRYPT, "installed")).toStrictEqual({
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ["the domain moves", LETSENCRYPT, { domain: "pr-13.preview.example.com" }, ["domain"]],
    ["the site changes", LETSENCRYPT, { siteId: 13 }, ["siteId"]],
    [
      "Let's Encrypt gives way to a clone",
      LETSENCRYPT,
      { mode: "clone", cloneCertificateId: 77 },
      ["mode", "cloneCertificateId"],
    ],
    [
      "a clone gives way to Let's Encrypt",
      CLONE,
      { mode: "letsencrypt", cloneCertificateId: null },
      ["mode", "cloneCertificateId"],
    ],
  ])("requests the new certificate before deleting the old one when %s", (_case, olds, change, replaces) => {
    expect(planCertReplacement(olds, { ...olds, ...change }, "installed")).toStrictEqual({
      replaces,
      deleteBeforeReplace: false,
    });
  });

  it("deletes the old clone first when only the cloned certificate changes, so create cannot adopt it", () => {
    expect(planCertReplacement(CLONE, { ...CLONE, cloneCertificateId: 78 }, "installed")).toStrictEqual({
      replaces: ["cloneCertificateId"],
      deleteBeforeReplace: true,
    });
  });

  it("deletes first when an unknown mode may turn out the same", () => {
    expect(planCertReplacement(CLONE, { ...CLONE, mode: UNKNOWN_SENTINEL }, "installed")).toStrictEqual({
      replaces: ["mode"],
      deleteBeforeReplace: true,
    });
  });

  it.each(["failed", "failed-unknown", "failed-runner"])("replaces a certificate that ended %s", (status) => {
    expect(planCertReplacement(LETSENCRYPT, LETSENCRYPT, status)).toStrictEqual({
      replaces: ["status"],
      deleteBeforeReplace: true,
    });
  });

  it("leaves a certificate that is still installing for the engine to resume", () => {
    expect(planCertReplacement(LETSENCRYPT, LETSENCRYPT, "installing")).toStrictEqual({
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("which existing certificate may be adopted", () => {
  it.each<[string, Partial<Certificate>, "letsencrypt" | "clone", boolean]>([
    ["an active Let's Encrypt certificate", {}, "letsencrypt", true],
    ["a Let's Encrypt certificate still installing", { status: "installing", active: false }, "letsencrypt", true],
    ["an installed but inactive one", { active: false }, "letsencrypt", false],
    ["a failed one", { status: "failed", active: false }, "letsencrypt", false],
    ["one of another kind", { type: "csr" }, "letsencrypt", false],
    ["an active clone (Forge reports it as existing)", { type: "existing" }, "clone", true],
    // The response enum has no `clone`: a clone may report the type of the certificate it copied.
    [
      "a clone that reports the Let's Encrypt type of its wildcard source",
      { verificationMethod: "dns-01" },
      "clone",
      true,
    ],
    ["a clone that reports a Let's Encrypt type and no verification", { verificationMethod: null }, "clone", true],
    [
      "this resource's own http-01 Let's Encrypt certificate in clone mode",
      { verificationMethod: "http-01" },
      "clone",
      false,
    ],
    ["a failed clone", { verificationMethod: "dns-01", status: "failed", active: false }, "clone", false],
    ["an existing certificate in Let's Encrypt mode", { type: "existing" }, "letsencrypt", false],
  ])("%s: %s", (_case, overrides, mode, expected) => {
    expect(isAdoptable(certificate(overrides), mode)).toBe(expected);
  });
});

describe("what a certificate's state means for the wait", () => {
  it.each<[Partial<Certificate>, ReturnType<typeof assessCertificate>]>([
    [{}, { kind: "ready" }],
    [{ active: false }, { kind: "needs-enable" }],
    [
      { status: "installing", active: false, requestStatus: "verifying" },
      { kind: "pending", status: "installing" },
    ],
    [
      { status: "enabling", active: false },
      { kind: "pending", status: "enabling" },
    ],
    [
      { status: "failed", active: false },
      { kind: "failed", status: "failed" },
    ],
    [
      { status: "failed-runner", active: false },
      { kind: "failed", status: "failed-runner" },
    ],
  ])("%j is %j", (overrides, expected) => {
    expect(assessCertificate(certificate(overrides))).toStrictEqual(expected);
  });
});

describe("duplicateLimitRefusal", () => {
  const NOW = Date.parse("2026-12-07T12:00:00Z");
  const DAY = 24 * 60 * 60_000;

  it("lets a request go while fewer than 5 issuances fall in the last 7 days, whatever came before", () => {
    const issued = [NOW - 8 * DAY, NOW - 7 * DAY, NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY, NOW - 1000];
    expect(duplicateLimitRefusal("pr-12.preview.example.com", issued, NOW)).toBeNull();
  });

  it("refuses the sixth, naming the domain, when the next one is possible, and the clone-mode config keys", () => {
    const issued = [NOW - 6 * DAY, NOW - 5 * DAY, NOW - 4 * DAY, NOW - 2 * DAY, NOW - DAY];
    const refusal = duplicateLimitRefusal("pr-12.preview.example.com", issued, NOW);
    expect(refusal).toContain("issued 5 certificates for `pr-12.preview.example.com` in the last 7 days");
    expect(refusal).toContain(`after ${new Date(NOW - 6 * DAY + DUPLICATE_WINDOW_MS).toISOString()}`);
    expect(refusal).toContain("set the config key `certificateMode` to `clone` and `wildcardCertificateId`");
  });
});
