import { ForgeDecodeError, Paginated, findFirst, listAll, type Page } from "../../../../providers/forge";

function pagesOf(pages: number[][]) {
  const asked: (string | null)[] = [];
  const list = new Paginated<number>(async (cursor) => {
    asked.push(cursor);
    const index = cursor === null ? 0 : Number(cursor.slice(1));
    const page: Page<number> = {
      items: pages[index] ?? [],
      nextCursor: index + 1 < pages.length ? `c${index + 1}` : null,
    };
    return page;
  });
  return { list, asked };
}

describe("Paginated", () => {
  it("follows next cursors until the last page", async () => {
    const { list, asked } = pagesOf([[1, 2], [3, 4], [5]]);
    await expect(list.all()).resolves.toStrictEqual([1, 2, 3, 4, 5]);
    expect(asked).toStrictEqual([null, "c1", "c2"]);
  });

  it("stops fetching once find has its match", async () => {
    const { list, asked } = pagesOf([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    await expect(list.find((n) => n === 3)).resolves.toBe(3);
    expect(asked).toStrictEqual([null, "c1"]);
  });

  it("returns undefined from find after reading every page", async () => {
    const { list, asked } = pagesOf([[1], [2]]);
    await expect(findFirst(list, (n) => n > 10)).resolves.toBeUndefined();
    expect(asked).toHaveLength(2);
  });

  it("yields pages as arrays from pages()", async () => {
    const { list } = pagesOf([[1, 2], [3]]);
    const seen: number[][] = [];
    for await (const page of list.pages()) seen.push(page);
    expect(seen).toStrictEqual([[1, 2], [3]]);
  });

  it("refuses to follow a cursor it has already followed", async () => {
    let calls = 0;
    const looping = new Paginated<number>(async () => {
      calls += 1;
      return { items: [calls], nextCursor: "same" };
    });
    await expect(listAll(looping)).rejects.toThrow(ForgeDecodeError);
    expect(calls).toBe(2);
  });
});
