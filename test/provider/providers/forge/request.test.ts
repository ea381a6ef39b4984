import { ForgeConfigError, buildPath, buildQuery, envValues, redactValue } from "../../../../providers/forge";

describe("buildPath", () => {
  it("fills the org slug and ids into the operation's template", () => {
    expect(
      buildPath(
        "organizations.servers.sites.domains.certificates.show",
        { server: 1, site: 22, domainRecord: 3, certificate: 4 },
        "acme",
      ),
    ).toBe("/orgs/acme/servers/1/sites/22/domains/3/certificates/4");
    expect(buildPath("organizations.sites.show", { site: 5 }, "acme")).toBe("/orgs/acme/sites/5");
    expect(buildPath("organizations.index", {}, null)).toBe("/orgs");
  });

  it.each([[undefined], [Number.NaN], [0], [-3], [1.5]])("refuses the id %p, naming the parameter", (bad) => {
    expect(() => buildPath("organizations.sites.show", { site: bad as number }, "acme")).toThrow(
      `\`site\` must be a positive integer id for organizations.sites.show, got ${String(bad)}`,
    );
  });

  it("explains how to get an org slug when none is configured", () => {
    expect(() => buildPath("organizations.servers.index", {}, null)).toThrow(ForgeConfigError);
    expect(() => buildPath("organizations.servers.index", {}, "")).toThrow(/organizations\.list\(\)/);
  });

  it("percent-encodes the slug", () => {
    expect(buildPath("organizations.show", {}, "a/b")).toBe("/orgs/a%2Fb");
  });
});

describe("buildQuery", () => {
  it("keeps brackets readable, encodes values and leaves out undefined", () => {
    expect(buildQuery({ "filter[name]": "pr 7&x", "page[size]": 2, "page[cursor]": undefined })).toBe(
      "?filter[name]=pr%207%26x&page[size]=2",
    );
    expect(buildQuery({ a: undefined })).toBe("");
    expect(buildQuery(undefined)).toBe("");
  });
});

describe("redaction helpers", () => {
  it("lists the values of a .env, quoted and unquoted", () => {
    expect(envValues('APP_KEY=base64:abc\n# comment\nDB_PASSWORD="p@ss word"\nexport X=1\nEMPTY=\n')).toStrictEqual([
      "base64:abc",
      '"p@ss word"',
      "p@ss word",
      "1",
    ]);
  });

  it("replaces secrets anywhere in a nested value, ignoring very short ones", () => {
    expect(redactValue({ a: ["xx-secret-xx"], b: { secret: 1 }, c: 2, d: "abc" }, ["secret", "abc"])).toStrictEqual({
      a: ["xx-[REDACTED]-xx"],
      b: { "[REDACTED]": 1 },
      c: 2,
      d: "abc",
    });
    expect(redactValue("a1b", ["1"])).toBe("a1b");
  });
});
