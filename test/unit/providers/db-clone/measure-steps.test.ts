import type { SchemaInventory, TableInfo } from "../../../../providers/db-clone/inventory";
import { RemoteMysql } from "../../../../providers/db-clone/remote-mysql";
import type { CommandRunner } from "../../../../providers/db-clone/types";
import { sourceMeasureSteps } from "../../../../providers/db-clone/verify";

// Building steps sends nothing; a runner that is called fails the test.
const unusedRunner: CommandRunner = {
  exec: () => Promise.reject(new Error("building measuring steps must not run anything")),
};
const mysql = RemoteMysql.attach(
  unusedRunner,
  { mysql: "mariadb", dump: "mariadb-dump" },
  "/tmp/fp-work/client.cnf",
  60_000,
);

const table = (name: string, bytes: number, estimatedRows: number): TableInfo => ({
  name,
  type: "BASE TABLE",
  engine: "InnoDB",
  bytes,
  estimatedRows,
  createOptions: "",
  createdAt: null,
  hasFulltext: false,
  partitioned: false,
});

// Like a Laravel master: a wide JSON log is most of the bytes, a narrow pivot table most of the rows.
const source: SchemaInventory = {
  name: "shop_master",
  charset: "utf8mb4",
  collation: "utf8mb4_unicode_ci",
  tables: [
    table("audit_log", 646_000_000, 580_000),
    table("order_items", 327_000_000, 2_540_000),
    table("orders", 126_000_000, 950_000),
    table("customers", 63_000_000, 320_000),
  ],
  hasMark: false,
  markHasSeal: false,
  views: [],
  triggers: [],
  routines: [],
  events: [],
  foreignKeys: [],
};

/** The tables each measuring session reads, in the order of the steps. */
const tablesPerSession = (level: "counts" | "checksum"): string[][] =>
  sourceMeasureSteps(mysql, source, level).map((step) =>
    source.tables.map((t) => t.name).filter((name) => step.stdin?.includes(`\`${name}\``)),
  );

describe("sourceMeasureSteps", () => {
  it("splits COUNT(*) across two sessions by estimated rows: the narrow table with the most rows counts alone", () => {
    expect(tablesPerSession("counts")).toStrictEqual([["order_items"], ["audit_log", "orders", "customers"]]);
  });

  it("splits CHECKSUM TABLE across two sessions by bytes: the widest table is read alone", () => {
    expect(tablesPerSession("checksum")).toStrictEqual([["audit_log"], ["order_items", "orders", "customers"]]);
  });

  it("does not measure the source at all when only objects are verified", () => {
    expect(sourceMeasureSteps(mysql, source, "objects")).toStrictEqual([]);
  });
});
