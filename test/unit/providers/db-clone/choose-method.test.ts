import { type MethodInputs, chooseMethod, transportBlocker } from "../../../../providers/db-clone";
import type { TableInfo } from "../../../../providers/db-clone/inventory";
import { UserError } from "../../../../providers/common/user-error";

const table = (name: string, changes: Partial<TableInfo> = {}): TableInfo => ({
  name,
  type: "BASE TABLE",
  engine: "InnoDB",
  bytes: 16_384,
  createOptions: "",
  createdAt: 1_700_000_000,
  estimatedRows: 0,
  hasFulltext: false,
  partitioned: false,
  ...changes,
});

const ALL = new Set(["SELECT", "RELOAD", "LOCK TABLES", "SHOW VIEW", "TRIGGER", "EVENT"]);

const inputs = (changes: Partial<MethodInputs> = {}): MethodInputs => ({
  requested: "auto",
  liveSource: false,
  fileAccess: "root",
  filePerTable: true,
  sourcePrivileges: ALL,
  globalPrivileges: ALL,
  tables: [table("orders"), table("customers")],
  tablespaceFiles: new Set(["orders", "customers"]),
  dataDir: "/var/lib/mysql",
  ...changes,
});

describe("chooseMethod", () => {
  it("picks transport when the SSH user reaches the files and the account may export", () => {
    const plan = chooseMethod(inputs());

    expect(plan).toStrictEqual({
      method: "transport",
      reason: "transportable tablespaces are possible (the SSH user is root, privileges, file-per-table)",
      fileTables: ["orders", "customers"],
      fallbackTables: [],
    });
  });

  it("says which access makes transport possible, and why a stock Forge server's SSH user gets the dump path", () => {
    expect(chooseMethod(inputs({ fileAccess: "sudo-password" })).reason).toContain(
      "the SSH user has sudo with the sudoPassword",
    );
    expect(chooseMethod(inputs({ fileAccess: "sudo" })).reason).toContain("the SSH user has passwordless sudo");
    const stock = chooseMethod(inputs({ fileAccess: "none", sudoAsksPassword: true }));
    expect(stock).toMatchObject({ method: "parallel-dump" });
    expect(stock.reason).toBe(
      "no transport: the SSH user's sudo asks for a password (set sudoPassword for the tablespace copy); " +
        "the rows of 2 tables are copied inside the server by INSERT ... SELECT (no client formats or parses them)",
    );
  });

  it("sends FULLTEXT, MyISAM, partitioned and file-less tables through dump/load and says why", () => {
    const plan = chooseMethod(
      inputs({
        tables: [
          table("orders"),
          table("articles", { hasFulltext: true }),
          table("counters", { engine: "MyISAM" }),
          table("events", { partitioned: true }),
          table("shared"),
        ],
        tablespaceFiles: new Set(["orders", "articles", "events"]),
      }),
    );

    expect(plan.method).toBe("transport");
    expect(plan.fileTables).toStrictEqual(["orders"]);
    expect(plan.fallbackTables.map((t) => t.name)).toStrictEqual(["articles", "counters", "events", "shared"]);
    expect(plan.reason).toContain("4 tables via dump/load (`articles`: it has a FULLTEXT index");
  });

  it.each<[string, Partial<MethodInputs>, string]>([
    ["no file access", { fileAccess: "none" }, "neither root nor allowed sudo"],
    ["file-per-table off", { filePerTable: false }, "innodb_file_per_table is OFF"],
    ["no RELOAD", { globalPrivileges: new Set(["SELECT"]) }, "lacks RELOAD"],
    [
      "no LOCK TABLES on the source",
      { sourcePrivileges: new Set(["SELECT"]) },
      "lacks LOCK TABLES (FLUSH TABLES ... FOR EXPORT needs them)",
    ],
    ["the source's directory missing", { tablespaceFiles: null }, "is MySQL on another host?"],
    ["no transportable table", { tablespaceFiles: new Set() }, "no table of the source can be transported"],
  ])("falls back to parallel-dump with %s", (_case, changes, reason) => {
    const plan = chooseMethod(inputs(changes));

    expect(plan.method).toBe("parallel-dump");
    expect(plan.reason).toContain(reason);
    expect(plan.fileTables).toStrictEqual([]);
  });

  it("copies even a single table inside the server when there is no transport", () => {
    const plan = chooseMethod(inputs({ fileAccess: "none", tables: [table("only")] }));

    expect(plan.method).toBe("parallel-dump");
    expect(plan.reason).toContain("the rows of 1 table are copied inside the server by INSERT ... SELECT");
  });

  it("streams one dump when the source has no tables and there is no transport", () => {
    const plan = chooseMethod(inputs({ fileAccess: "none", tables: [] }));

    expect(plan.method).toBe("stream-dump");
    expect(plan.reason).toContain("the source has no tables, only its other objects to copy");
  });

  it("always streams a live source, even when transport would be possible", () => {
    expect(chooseMethod(inputs({ liveSource: true })).method).toBe("stream-dump");
  });

  it("honours an explicit method and says it was requested", () => {
    expect(chooseMethod(inputs({ requested: "stream-dump" })).reason).toBe("requested as `stream-dump`");
    expect(chooseMethod(inputs({ requested: "parallel-dump" })).method).toBe("parallel-dump");
  });

  it("refuses an explicit transport the server cannot do instead of silently doing something else", () => {
    expect(() => chooseMethod(inputs({ requested: "transport", fileAccess: "none" }))).toThrow(
      new UserError(
        "Method `transport` is not possible on this server: the SSH user cannot reach MySQL's datadir (it is neither root nor allowed sudo); use `auto`",
      ),
    );
  });

  it("refuses parallel-dump for a live source, whose tables it would read at different moments", () => {
    expect(() => chooseMethod(inputs({ requested: "parallel-dump", liveSource: true }))).toThrow(
      /cannot read a live source consistently/,
    );
  });
});

describe("transportBlocker", () => {
  const files = new Set(["t", "odd name"]);

  it.each<[string, Partial<TableInfo>, string | null]>([
    ["a plain InnoDB table", {}, null],
    ["a system-versioned table", { type: "SYSTEM VERSIONED" }, "it is a system versioned table"],
    ["an Aria table", { engine: "Aria" }, "its engine is Aria, not InnoDB"],
    ["an encrypted table", { createOptions: "`ENCRYPTED`=YES" }, "it is encrypted (its key would have to travel too)"],
  ])("%s", (_case, changes, expected) => {
    expect(transportBlocker(table("t", changes), files)).toBe(expected);
  });

  it("refuses names the datadir stores encoded", () => {
    expect(transportBlocker(table("odd name"), files)).toBe("its name is stored encoded in the datadir");
  });
});
