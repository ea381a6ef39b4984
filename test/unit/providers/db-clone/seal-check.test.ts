import { parseFileIdentities } from "../../../../providers/db-clone/datadir-files";
import { type MasterSeal, parseSeal } from "../../../../providers/db-clone/mark";
import { checkSeal, describeUnvouched } from "../../../../providers/db-clone/seal";

const SEAL: MasterSeal = {
  sealedAt: "2026-11-22T02:00:00.000Z",
  tables: {
    customers: { rows: 40, checksum: "111", file: "65024:10:98304:1795833588.4017188020:1795833588.4017188020" },
    orders: { rows: 120, checksum: "222", file: "65024:11:131072:1795833607.4137194270:1795833607.4137194270" },
    legacy: { rows: 3, checksum: null, file: "65024:12:65536:1795833607.0000000000:1795833607.0000000000" },
  },
};

const listing = (entries: Record<string, string>): string =>
  Object.entries(entries)
    .map(([table, identity]) => `@@fp-file\t${table}.ibd\t${identity}`)
    .join("\n");

describe("checking a master's seal against the identities a clone read", () => {
  it("reads identities from a copy step's output, ignoring everything else", () => {
    const output = `noise\n${listing({ customers: "1:2:3:4.5:6.7" })}\n@@fp-file\tcustomers.cfg\t9:9:9:9:9\n@@fp-file\tbroken\n`;
    expect(parseFileIdentities(output)).toStrictEqual(new Map([["customers", "1:2:3:4.5:6.7"]]));
  });

  it("vouches for every table whose file is unchanged: the seal's counts and checksums stand in for the source", () => {
    const identities = parseFileIdentities(
      listing({ customers: SEAL.tables.customers!.file, orders: SEAL.tables.orders!.file }),
    );
    const check = checkSeal(SEAL, identities, ["customers", "orders"], "checksum");
    expect(check.unvouched).toStrictEqual([]);
    expect(check.measure).toStrictEqual({
      counts: new Map([
        ["customers", 40],
        ["orders", 120],
      ]),
      sums: new Map([
        ["customers", "111"],
        ["orders", "222"],
      ]),
    });
  });

  it("vouches for nothing when one table changed, was never sealed, was not listed, or lacks a needed checksum", () => {
    const changed = SEAL.tables.orders!.file.replace(":131072:", ":147456:");
    const identities = parseFileIdentities(
      listing({
        customers: SEAL.tables.customers!.file,
        orders: changed,
        legacy: SEAL.tables.legacy!.file,
        fresh: "1:1:1:1:1",
      }),
    );
    const check = checkSeal(SEAL, identities, ["customers", "orders", "legacy", "fresh", "unlisted"], "checksum");
    expect(check.measure).toBeNull();
    expect(check.unvouched).toStrictEqual([
      { table: "orders", why: "its file changed since the seal" },
      { table: "legacy", why: "the seal has no checksum for it" },
      { table: "fresh", why: "not in the seal" },
      { table: "unlisted", why: "not in the seal" },
    ]);
    expect(describeUnvouched(check.unvouched)).toBe(
      "`orders` (its file changed since the seal), `legacy` (the seal has no checksum for it), `fresh` (not in the seal), and 1 more",
    );
    expect(checkSeal(SEAL, new Map(), ["customers"], "counts").unvouched).toStrictEqual([
      { table: "customers", why: "its file was not listed" },
    ]);
  });

  it("counts alone need no checksum", () => {
    const identities = parseFileIdentities(listing({ legacy: SEAL.tables.legacy!.file }));
    expect(checkSeal(SEAL, identities, ["legacy"], "counts").measure?.counts).toStrictEqual(new Map([["legacy", 3]]));
  });

  it("a seal that is missing or malformed is no seal", () => {
    expect(parseSeal(JSON.stringify(SEAL))).toStrictEqual(SEAL);
    expect(parseSeal("")).toBeNull();
    expect(parseSeal("{not json")).toBeNull();
    expect(parseSeal(JSON.stringify({ sealedAt: "x", tables: { a: { rows: "3", file: "f" } } }))).toBeNull();
    expect(parseSeal(JSON.stringify({ tables: {} }))).toBeNull();
  });
});
