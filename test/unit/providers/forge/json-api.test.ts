import {
  ForgeDecodeError,
  decodeDocument,
  decodePage,
  decodeSingletonAttributes,
  parseId,
  toSite,
} from "../../../../providers/forge";

const siteResource = {
  id: "42",
  type: "sites",
  attributes: {
    name: "pr-7.example.dev",
    status: "installing",
    url: "http://pr-7.example.dev",
    https: false,
    aliases: [],
    repository: { provider: "github", url: "git@github.com:acme/app.git", branch: "feature", status: null },
    shared_paths: { storage: "storage" },
    a_field_forge_added_later: { nested: true },
  },
  relationships: { server: { data: { type: "servers", id: "3" } }, tags: { data: [{ type: "tags", id: "8" }] } },
  links: { self: { href: "https://forge.laravel.com/api/orgs/acme/sites/42" } },
};

describe("JSON:API decoding", () => {
  it("turns string ids into numbers and flattens attributes, ignoring fields it does not know", () => {
    const site = toSite(decodeDocument({ data: siteResource }, "sites"));
    expect(site).toMatchObject({
      id: 42,
      serverId: 3,
      name: "pr-7.example.dev",
      status: "installing",
      https: false,
      repository: { provider: "github", url: "git@github.com:acme/app.git", branch: "feature", status: null },
      sharedPaths: { storage: "storage" },
    });
    expect(site).not.toHaveProperty("a_field_forge_added_later");
  });

  it("reads to-many relationships as id lists", () => {
    expect(decodeDocument({ data: siteResource }, "sites").relationships).toStrictEqual({ server: 3, tags: [8] });
  });

  it("keeps a status value the spec does not list instead of failing", () => {
    const unhealthy = { ...siteResource, attributes: { ...siteResource.attributes, status: "unhealthy" } };
    expect(toSite(decodeDocument({ data: unhealthy }, "sites")).status).toBe("unhealthy");
  });

  it("names the resource and field when a required attribute is missing", () => {
    const broken = { ...siteResource, attributes: { name: "x" } };
    expect(() => toSite(decodeDocument({ data: broken }, "sites"))).toThrow(
      new ForgeDecodeError("Forge returned sites 42 without a string `status` (got undefined)"),
    );
  });

  it("rejects an optional attribute of the wrong type without echoing its value", () => {
    const broken = { ...siteResource, attributes: { ...siteResource.attributes, url: { secret: "s3cr3t-value" } } };
    const decode = () => toSite(decodeDocument({ data: broken }, "sites"));
    expect(decode).toThrow("`url` that is not a string (got object)");
    expect(decode).not.toThrow(/s3cr3t/);
  });

  it.each([
    ["12", 12],
    [12, 12],
  ])("parses the id %p", (raw, expected) => {
    expect(parseId(raw, "a site")).toBe(expected);
  });

  it.each([["0"], ["-1"], ["abc"], [""], [null], [1.5], ["99999999999999999999"]])("rejects the id %p", (raw) => {
    expect(() => parseId(raw, "a site")).toThrow(ForgeDecodeError);
  });

  it("reads the next cursor of a page and treats a missing meta as the last page", () => {
    const page = decodePage({ data: [siteResource], meta: { next_cursor: "abc", per_page: 1 } }, "sites");
    expect(page.items.map((item) => item.id)).toStrictEqual([42]);
    expect(page.nextCursor).toBe("abc");
    expect(decodePage({ data: [] }, "certificates").nextCursor).toBeNull();
    expect(decodePage({ data: [], meta: { next_cursor: null } }, "sites").nextCursor).toBeNull();
  });

  it("fails clearly when a list body has no data array", () => {
    expect(() => decodePage({ message: "oops" }, "sites")).toThrow(
      "Forge returned no `data` array where a list of sites was expected",
    );
  });

  it("reads singleton documents without requiring a numeric id", () => {
    const env = decodeSingletonAttributes(
      { data: { id: "env-of-42", type: "environments", attributes: { content: "A=1" } } },
      "environments",
    );
    expect(env.string("content")).toBe("A=1");
  });
});
