import { referencingTablesFirst } from "../../../../providers/db-clone/schema-objects";

const fk = (table: string, referencedTable: string, referencedSchema = "shop_pr_1") => ({
  name: `${table}_fk`,
  table,
  referencedSchema,
  referencedTable,
});

describe("referencingTablesFirst", () => {
  it("puts every table before the tables it references, however they are listed", () => {
    const order = referencingTablesFirst(
      ["customers", "order_items", "orders", "products", "audit_log"],
      [
        fk("orders", "customers"),
        fk("order_items", "orders"),
        fk("order_items", "products"),
        fk("audit_log", "orders"),
      ],
      "shop_pr_1",
    );

    expect(order).toStrictEqual(["order_items", "audit_log", "orders", "customers", "products"]);
  });

  it("ignores keys into other schemas and onto the table itself, and keeps a cycle's tables", () => {
    const order = referencingTablesFirst(
      ["a", "b", "tree"],
      [fk("a", "b"), fk("b", "a"), fk("tree", "tree"), fk("b", "accounts", "billing")],
      "shop_pr_1",
    );

    expect([...order].sort()).toStrictEqual(["a", "b", "tree"]);
    expect(order.indexOf("tree")).toBe(2);
  });
});
