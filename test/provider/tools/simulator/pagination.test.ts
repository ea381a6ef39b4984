import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, startTestSimulator } from "../../../support/simulator";

describe("simulator cursor pagination", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ pageSize: 2, maxPageSize: 3, rateLimitPerMinute: 0 });
    for (const name of ["pr_1", "pr_2", "pr_3"]) await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name });
  });
  afterAll(async () => sim.close());

  it("splits a list into pages that are followed through meta.next_cursor", async () => {
    const first = await call(sim, "GET", `${SERVER_PATH}/database/schemas`);
    expect(first.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_1", "pr_2"]);
    expect(first.json.meta).toMatchObject({
      per_page: 2,
      prev_cursor: null,
      path: `${sim.url}${SERVER_PATH}/database/schemas`,
    });
    expect(typeof first.json.meta.next_cursor).toBe("string");
    expect(first.json.links.next).toBe(
      `${sim.url}${SERVER_PATH}/database/schemas?page%5Bcursor%5D=${first.json.meta.next_cursor}`,
    );

    const second = await call(
      sim,
      "GET",
      `${SERVER_PATH}/database/schemas?page[cursor]=${first.json.meta.next_cursor}`,
    );
    expect(second.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_3"]);
    expect(second.json.meta.next_cursor).toBeNull();
    expect(typeof second.json.meta.prev_cursor).toBe("string");
    expect(second.json.links.next).toBeUndefined();
  });

  it("honours page[size] up to the maximum and clamps larger values", async () => {
    const one = await call(sim, "GET", `${SERVER_PATH}/database/schemas?page[size]=1`);
    expect(one.json.data).toHaveLength(1);
    expect(one.json.meta.per_page).toBe(1);
    const clamped = await call(sim, "GET", `${SERVER_PATH}/database/schemas?page[size]=500`);
    expect(clamped.json.data).toHaveLength(3);
    expect(clamped.json.meta.per_page).toBe(3);
  });

  it("keeps filters across pages and rejects a cursor from another filter or a forged one", async () => {
    const filtered = await call(sim, "GET", `${SERVER_PATH}/database/schemas?filter[name]=pr_&page[size]=1`);
    const next = filtered.json.meta.next_cursor;
    const page2 = await call(
      sim,
      "GET",
      `${SERVER_PATH}/database/schemas?filter[name]=pr_&page[size]=1&page[cursor]=${next}`,
    );
    expect(page2.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_2"]);
    const otherFilter = await call(
      sim,
      "GET",
      `${SERVER_PATH}/database/schemas?filter[name]=pr_1&page[cursor]=${next}`,
    );
    expect(otherFilter.status).toBe(400);
    const forged = await call(sim, "GET", `${SERVER_PATH}/database/schemas?page[cursor]=not-a-cursor`);
    expect(forged.status).toBe(400);
    expect(forged.json.message).toContain("not a cursor this API issued");
  });

  it("matches free-text filters partially, so a lookup by name must compare names exactly", async () => {
    const response = await call(sim, "GET", `${SERVER_PATH}/database/schemas?filter[name]=pr_1&page[size]=3`);
    expect(response.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_1"]);
    await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "pr_10" });
    const widened = await call(sim, "GET", `${SERVER_PATH}/database/schemas?filter[name]=pr_1&page[size]=3`);
    expect(widened.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_1", "pr_10"]);
  });

  it("sorts by an allowed key, descending with a leading dash", async () => {
    const response = await call(sim, "GET", `${SERVER_PATH}/database/schemas?sort=-name&page[size]=3`);
    expect(response.json.data.map((item: any) => item.attributes.name)).toEqual(["pr_3", "pr_2", "pr_10"]);
  });
});
