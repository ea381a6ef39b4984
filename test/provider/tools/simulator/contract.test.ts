import type { Simulator } from "../../../../tools/simulator";
import { ROUTES } from "../../../../tools/simulator/handlers";
import { loadSpec } from "../../../../tools/simulator/openapi-spec";
import { resolveOpenapiPath } from "../../../../tools/simulator/options";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator contract check against the OpenAPI file", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => sim.close());
  beforeEach(() => sim.reset());

  it("turns the contract check on when the OpenAPI file is present", () => {
    expect(sim.contractCheck).toBe(true);
  });

  it("rejects a site with an enum value the spec does not allow, naming the allowed values", async () => {
    const response = await call(sim, "POST", `${SERVER_PATH}/sites`, {
      type: "laravel",
      name: "pr-1.example.test",
      php_version: "php99",
    });
    expect(response.status).toBe(422);
    expect(response.json.errors.php_version[0]).toMatch(
      /^The selected php version is invalid; the contract allows: .*php84/,
    );
    expect(response.json.message).toBe(response.json.errors.php_version[0]);
    expect(sim.state().sites).toHaveLength(0);
  });

  it("rejects a body missing a required field with Laravel's message and field key", async () => {
    const response = await call(sim, "POST", `${SERVER_PATH}/database/users`, { password: "secret-value" });
    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      message: "The name field is required.",
      errors: { name: ["The name field is required."] },
    });
  });

  it("reports every failing field and counts the others in the message", async () => {
    const response = await call(sim, "POST", `${SERVER_PATH}/background-processes`, {
      name: "worker",
      command: "php artisan queue:work",
      user: "www-data",
      processes: 0,
    });
    expect(response.status).toBe(422);
    expect(Object.keys(response.json.errors).sort()).toEqual(["processes", "user"]);
    expect(response.json.errors.user[0]).toContain("the contract allows: root, forge");
    expect(response.json.errors.processes[0]).toBe("The processes field must be at least 1.");
    expect(response.json.message).toMatch(/\(and 1 more error\)$/);
  });

  it("checks maxLength, patterns and nested array items", async () => {
    const site = await createSite(sim, "pr-2.example.test");
    const long = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "d".repeat(64) });
    expect(long.json.errors.name).toEqual(["The name field must not be greater than 63 characters."]);
    const rule = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/security-rules`, {
      name: "auth",
      credentials: [{ username: "u".repeat(51) }],
    });
    expect(rule.status).toBe(422);
    expect(rule.json.errors["credentials.0.username"]).toEqual([
      "The credentials.0.username field must not be greater than 50 characters.",
    ]);
    expect(rule.json.errors["credentials.0.password"]).toEqual(["The credentials.0.password field is required."]);
    const isolated = await call(sim, "POST", `${SERVER_PATH}/sites`, {
      type: "laravel",
      name: "pr-3.example.test",
      is_isolated: true,
      isolated_user: "Bad User",
    });
    expect(isolated.json.errors.isolated_user[0]).toContain("the contract requires the pattern");
  });

  it("validates documented query parameters and refuses unknown filters", async () => {
    const badSize = await call(sim, "GET", `${SERVER_PATH}/sites?page[size]=many`);
    expect(badSize.status).toBe(422);
    expect(badSize.json.errors["page[size]"]).toEqual(["The page[size] field must be an integer."]);
    const badFilter = await call(sim, "GET", `${SERVER_PATH}/sites?filter[domain]=x`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.message).toBe("Requested filter(s) `domain` are not allowed. Allowed filter(s) are `name`.");
    const badSort = await call(sim, "GET", `${SERVER_PATH}/database/schemas?sort=-size`);
    expect(badSort.status).toBe(400);
    expect(badSort.json.message).toContain("Allowed sort(s) are `name, created_at, updated_at`");
    const site = await createSite(sim, "pr-5.example.test");
    const badStatus = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[status]=green`);
    expect(badStatus.status).toBe(422);
    expect(badStatus.json.errors["filter[status]"][0]).toContain("the contract allows: pending, connecting, enabled");
  });

  it("answers 404 for unknown paths and ids, 405 for a wrong method and 501 for spec operations it does not implement", async () => {
    expect((await call(sim, "GET", "/orgs/acme/nowhere")).status).toBe(404);
    expect((await call(sim, "GET", "/orgs/other-org/servers")).status).toBe(404);
    expect((await call(sim, "GET", "/orgs/acme/servers/abc")).status).toBe(404);
    expect((await call(sim, "GET", "/orgs/acme/servers/999")).status).toBe(404);
    const wrongMethod = await call(sim, "PATCH", "/orgs/acme/sites");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    const unimplemented = await call(sim, "GET", `${SERVER_PATH}/nginx/templates`);
    expect(unimplemented.status).toBe(501);
    expect(unimplemented.json.message).toContain("/orgs/{organization}/servers/{server}/nginx/templates");
  });

  it("prefers a literal path segment over a parameter (deployments/status is not deployment 'status')", async () => {
    const site = await createSite(sim, "pr-4.example.test");
    const response = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/deployments/status`);
    expect(response.status).toBe(200);
    expect(response.json.data.type).toBe("deploymentStatuses");
  });
});

describe("simulator route table", () => {
  const spec = loadSpec(resolveOpenapiPath(undefined) as string);
  const byKey = new Map(spec.operations.map((operation) => [`${operation.method} ${operation.template}`, operation]));

  it.each(ROUTES.map((route) => [`${route.method.toUpperCase()} ${route.template}`, route] as const))(
    "%s exists in the spec with the same scope, filters and sorts",
    (_name, route) => {
      const operation = byKey.get(`${route.method} ${route.template}`);
      expect(operation).toBeDefined();
      expect(operation?.permissions).toEqual([route.scope]);
      expect([...(route.filters ?? [])].sort()).toEqual([...(operation?.filters ?? [])].sort());
      expect([...(route.sorts ?? [])].sort()).toEqual([...(operation?.sorts ?? [])].sort());
    },
  );
});

describe("simulator without the OpenAPI file", () => {
  let sim: Simulator;
  const lines: string[] = [];
  beforeAll(async () => {
    sim = await startTestSimulator({ openapiPath: "/nonexistent/openapi.yaml", log: (line) => lines.push(line) });
  });
  afterAll(async () => sim.close());

  it("reports the contract check as off in a property and one log line", () => {
    expect(sim.contractCheck).toBe(false);
    expect(lines).toEqual([
      expect.stringContaining("contract check is off: no OpenAPI file at /nonexistent/openapi.yaml"),
    ]);
  });

  it("still applies its own domain checks", async () => {
    const noType = await call(sim, "POST", `${SERVER_PATH}/sites`, { name: "pr-1.example.test" });
    expect(noType.json.errors).toEqual({ type: ["The type field is required."] });
    expect(
      (await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-1.example.test" })).status,
    ).toBe(202);
    const duplicate = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "PR-1.example.test" });
    expect(duplicate.json.errors).toEqual({ name: ["The name has already been taken."] });
    const badName = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "../etc" });
    expect(badName.status).toBe(422);
    const longDb = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "d".repeat(65) });
    expect(longDb.json.errors).toEqual({ name: ["The name field must not be greater than 64 characters."] });
    const noDbName = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, {});
    expect(noDbName.json.errors).toEqual({ name: ["The name field is required."] });
  });

  it("answers 404 for paths outside its own routes since it cannot tell documented ones apart", async () => {
    expect((await call(sim, "GET", `${SERVER_PATH}/nginx/templates`)).status).toBe(404);
  });
});
