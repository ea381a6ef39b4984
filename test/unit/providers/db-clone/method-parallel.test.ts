import {
  copySessionSql,
  insertSelectBlocker,
  insertSelectSql,
  wantsBulkPath,
} from "../../../../providers/db-clone/method-parallel";

describe("the in-server copy of parallel-dump", () => {
  it("takes InnoDB's bulk path only for tables of short rows", () => {
    expect(wantsBulkPath({ bytes: 154_000_000, estimatedRows: 1_200_000 })).toBe(true);
    expect(wantsBulkPath({ bytes: 297_000_000, estimatedRows: 277_000 })).toBe(false);
    expect(wantsBulkPath({ bytes: 16_384, estimatedRows: 0 })).toBe(false);
  });

  it("quotes every name and lists the same columns on both sides", () => {
    expect(insertSelectSql("shop", "shop_pr_1", "line `items`", ["id", "na`me"])).toBe(
      "INSERT INTO `shop_pr_1`.`line ``items``` (`id`, `na``me`) SELECT `id`, `na``me` FROM `shop`.`line ``items```;",
    );
  });

  it("sets what a dump file sets, and skips CHECK constraints only where the server knows the setting", () => {
    expect(copySessionSql("mariadb")).toBe(
      "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00', foreign_key_checks = 0, check_constraint_checks = 0;",
    );
    expect(copySessionSql("mysql")).not.toContain("check_constraint_checks");
  });

  it("sends system-versioned tables and sequences through mysqldump", () => {
    expect(insertSelectBlocker({ type: "BASE TABLE" })).toBeNull();
    expect(insertSelectBlocker({ type: "SYSTEM VERSIONED" })).toBe("it is a system versioned table");
    expect(insertSelectBlocker({ type: "SEQUENCE" })).toBe("it is a sequence table");
  });
});
