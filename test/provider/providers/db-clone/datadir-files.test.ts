import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { balanceTables, buildCopyScript } from "../../../../providers/db-clone/datadir-files";

describe("balanceTables", () => {
  it("puts the heaviest tables first onto the lightest stream", () => {
    const tables = [
      { name: "small", bytes: 10 },
      { name: "huge", bytes: 600 },
      { name: "medium", bytes: 300 },
      { name: "mid2", bytes: 250 },
    ];

    expect(balanceTables(tables, 2, (t) => t.bytes)).toStrictEqual([["huge"], ["medium", "mid2", "small"]]);
    expect(balanceTables(tables, 1, (t) => t.bytes)).toStrictEqual([["huge", "medium", "mid2", "small"]]);
    expect(balanceTables(tables.slice(0, 1), 4, (t) => t.bytes)).toStrictEqual([["small"]]);
  });

  it("balances by whatever weight it is given: a big file with few rows is a light COUNT(*)", () => {
    const tables = [
      { name: "audit_log", bytes: 646, rows: 636 },
      { name: "order_items", bytes: 327, rows: 2544 },
      { name: "orders", bytes: 126, rows: 954 },
      { name: "customers", bytes: 63, rows: 318 },
    ];

    expect(balanceTables(tables, 2, (t) => t.bytes)).toStrictEqual([
      ["audit_log"],
      ["order_items", "orders", "customers"],
    ]);
    expect(balanceTables(tables, 2, (t) => t.rows)).toStrictEqual([
      ["order_items"],
      ["orders", "audit_log", "customers"],
    ]);
  });
});

describe("buildCopyScript", () => {
  let base: string;
  const run = (script: string) => spawnSync("sh", ["-c", script], { encoding: "utf8" });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "fp-copy-script-"));
    mkdirSync(join(base, "src"));
    mkdirSync(join(base, "dst"));
    for (const table of ["a", "b", "c"]) {
      writeFileSync(join(base, "src", `${table}.ibd`), `${table} pages`);
      writeFileSync(join(base, "src", `${table}.cfg`), `${table} meta`);
    }
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("copies every group's .ibd and .cfg at once and touches the marker last", () => {
    const marker = join(base, "copied");
    const result = run(buildCopyScript(join(base, "src"), join(base, "dst"), [["a"], ["b", "c"]], marker));

    expect(result.status).toBe(0);
    expect(readdirSync(join(base, "dst")).sort()).toStrictEqual(["a.cfg", "a.ibd", "b.cfg", "b.ibd", "c.cfg", "c.ibd"]);
    expect(existsSync(marker)).toBe(true);
  });

  it("fails without the marker when any group's copy fails, after waiting for the others", () => {
    rmSync(join(base, "src", "a.cfg"));
    const marker = join(base, "copied");
    const result = run(buildCopyScript(join(base, "src"), join(base, "dst"), [["a"], ["b", "c"]], marker));

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("a.cfg");
    expect(existsSync(marker)).toBe(false);
    // The other stream finished before the script gave up.
    expect(
      readdirSync(join(base, "dst"))
        .filter((f) => f.startsWith("b") || f.startsWith("c"))
        .sort(),
    ).toStrictEqual(["b.cfg", "b.ibd", "c.cfg", "c.ibd"]);
  });
});
