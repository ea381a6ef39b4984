import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator empty-bodied answers", () => {
  let sim: Simulator;
  let site: string;
  beforeAll(async () => {
    sim = await startTestSimulator({ rateLimitPerMinute: 0 });
    site = await createSite(sim, "pr-40.example.test");
  });
  afterAll(async () => sim.close());

  it.each([
    ["PUT", "", { php_version: "php83" }],
    ["PUT", "/environment", { environment: "APP_ENV=preview\n" }],
    ["POST", "/deployments/push-to-deploy", undefined],
    ["DELETE", "/deployments/push-to-deploy", undefined],
    ["POST", "/commands", { command: "php artisan about" }],
  ])("answers %s site%s with an empty 202", async (method, suffix, body) => {
    const response = await call(sim, method, `${SERVER_PATH}/sites/${site}${suffix}`, body);
    expect(response.status).toBe(202);
    expect(response.text).toBe("");
    expect(response.headers.get("content-length")).toBe("0");
    expect(response.headers.get("content-type")).toBeNull();
  });

  it("answers the healthcheck update with an empty 204", async () => {
    const response = await call(sim, "PUT", `${SERVER_PATH}/sites/${site}/healthcheck`, {
      healthcheck_endpoint: "https://pr-40.example.test/up",
    });
    expect(response.status).toBe(204);
    expect(response.text).toBe("");
    expect(
      (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/healthcheck`)).json.data.attributes.healthcheck_endpoint,
    ).toBe("https://pr-40.example.test/up");
  });

  it("answers a delete with an empty 202, and the creates with a JSON:API body", async () => {
    const db = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "pr_40" });
    expect(db.headers.get("content-type")).toBe("application/vnd.api+json");
    expect(db.json.data).toMatchObject({
      id: expect.any(String),
      type: "databases",
      links: { self: { href: `${sim.url}${SERVER_PATH}/database/schemas/${db.json.data.id}` } },
    });
    const deleted = await call(sim, "DELETE", `${SERVER_PATH}/database/schemas/${db.json.data.id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe("");
  });

  it("applies the empty-202 updates: the site and its .env changed", async () => {
    const got = await call(sim, "GET", `/orgs/acme/sites/${site}`);
    expect(got.json.data.attributes).toMatchObject({ php_version: "php83", quick_deploy: false });
    expect((await call(sim, "GET", `${SERVER_PATH}/sites/${site}/environment`)).json.data.attributes.content).toBe(
      "APP_ENV=preview\n",
    );
  });
});
