import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator: site tags through include=tags", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startTestSimulator({ checkResponses: true });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("lists the tags a site was created with as relationships and included TagResources", async () => {
    const tagged = await createSite(sim, "pr-1.example.test", { tags: ["owner-a", "shared"] });
    const other = await createSite(sim, "pr-2.example.test", { tags: ["shared"] });
    const plain = await createSite(sim, "pr-3.example.test");

    const response = await call(sim, "GET", `${SERVER_PATH}/sites?include=tags`);

    expect(response.status).toBe(200);
    const relationships = Object.fromEntries(
      response.json.data.map((site: { id: string; relationships: { tags: { data: unknown[] } } }) => [
        site.id,
        site.relationships.tags.data,
      ]),
    );
    const names = Object.fromEntries(
      response.json.included.map((tag: { id: string; type: string; attributes: { name: string } }) => [
        tag.id,
        `${tag.type}:${tag.attributes.name}`,
      ]),
    );
    const namesOf = (siteId: string): string[] => relationships[siteId].map((ref: { id: string }) => names[ref.id]);
    expect(namesOf(tagged)).toStrictEqual(["tags:owner-a", "tags:shared"]);
    expect(namesOf(other)).toStrictEqual(["tags:shared"]);
    expect(namesOf(plain)).toStrictEqual([]);
    expect(response.json.included).toHaveLength(2);
    expect(sim.responseViolations).toStrictEqual([]);
  });

  it("leaves tags out when they are not asked for", async () => {
    const response = await call(sim, "GET", `${SERVER_PATH}/sites?filter[name]=pr-1`);

    expect(response.json.data[0].relationships).toBeUndefined();
    expect(response.json.included).toBeUndefined();
  });
});
