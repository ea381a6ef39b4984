import type { Simulator } from "../../../../tools/simulator";
import { ROUTES } from "../../../../tools/simulator/handlers";
import { loadSpec } from "../../../../tools/simulator/openapi-spec";
import { ContractValidator } from "../../../../tools/simulator/openapi-validator";
import { resolveOpenapiPath } from "../../../../tools/simulator/options";
import {
  SERVER_PATH,
  call,
  createSite,
  eventually,
  startTestSimulator,
  type ApiResponse,
} from "../../../support/simulator";

/**
 * Drives every implemented operation through a preview environment's life with `checkResponses`
 * on, so each body the simulator sends is checked against the spec's response schema.
 */
async function exerciseEveryRoute(sim: Simulator): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const response = await call(sim, method, path, body);
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${response.text}`);
    return response;
  };
  await ok("GET", "/orgs");
  await ok("GET", "/orgs/acme");
  await ok("GET", "/orgs/acme/servers?filter[name]=preview&sort=-name");
  await ok("GET", SERVER_PATH);
  const db = (
    await ok("POST", `${SERVER_PATH}/database/schemas`, { name: "pr_7", user: "pr_7_inline", password: "pw-inline" })
  ).json.data.id;
  const siteId = await createSite(sim, "pr-7.example.test", {
    database_id: Number(db),
    repository: "acme/app",
    branch: "feature",
    source_control_provider: "github",
  });
  const site = `${SERVER_PATH}/sites/${siteId}`;
  await eventually(
    () => ok("GET", `/orgs/acme/sites/${siteId}`),
    (response) => response.json.data.attributes.status === "installed",
  );
  await ok(
    "GET",
    `${SERVER_PATH}/sites?filter[name]=pr-7&include=server,latestDeployment,securityRules,tags,redirectRules`,
  );
  await ok("GET", `/orgs/acme/sites?include=server`);
  await ok("GET", `/orgs/acme/sites/${siteId}`);
  await ok("PUT", site, { php_version: "php83", push_to_deploy: true, repository_branch: "main" });
  const domains = (await ok("GET", `${site}/domains?filter[type]=primary`)).json.data;
  const domain = `${site}/domains/${domains[0].id}`;
  await ok("GET", domain);
  const certificate = (
    await ok("POST", `${domain}/certificates`, {
      type: "letsencrypt",
      letsencrypt: { verification_method: "http-01", key_type: "ecdsa" },
    })
  ).json.data.id;
  await ok("GET", `${domain}/certificates`);
  await eventually(
    () => ok("GET", `${domain}/certificates/${certificate}`),
    (response) => response.json.data.attributes.status === "installed",
  );
  await ok("POST", `${domain}/certificates/${certificate}/actions`, { action: "enable" });
  await eventually(
    () => call(sim, "GET", `${domain}/certificates/active`),
    (response) => response.status === 200,
  );
  await ok("GET", `${domain}/certificate`);
  await ok("GET", `${site}/environment`);
  await ok("PUT", `${site}/environment`, { environment: "APP_ENV=preview\n" });
  await ok("GET", `${site}/deployments/script`);
  await ok("PUT", `${site}/deployments/script`, { content: "cd /home/forge\necho ok\n", auto_source: false });
  const deployment = (await ok("POST", `${site}/deployments`)).json.data.id;
  await ok("GET", `${site}/deployments?sort=-created_at`);
  await ok("GET", `${site}/deployments/${deployment}`);
  await ok("GET", `${site}/deployments/${deployment}/log`);
  await ok("GET", `${site}/deployments/status`);
  await ok("POST", `${site}/deployments/push-to-deploy`);
  await ok("DELETE", `${site}/deployments/push-to-deploy`);
  await ok("GET", `${SERVER_PATH}/database/schemas?filter[status]=installed&sort=name`);
  await ok("GET", `${SERVER_PATH}/database/schemas/${db}`);
  const user = (
    await ok("POST", `${SERVER_PATH}/database/users`, {
      name: "pr_7_user",
      password: "pw-1",
      database_ids: [Number(db)],
    })
  ).json.data.id;
  await ok("GET", `${SERVER_PATH}/database/users?filter[name]=pr_7`);
  await ok("GET", `${SERVER_PATH}/database/users/${user}`);
  await ok("PUT", `${SERVER_PATH}/database/users/${user}`, { password: "pw-2" });
  const process = (
    await ok("POST", `${SERVER_PATH}/background-processes`, {
      name: "queue",
      command: "php artisan queue:work",
      user: "forge",
      processes: 1,
      site_id: Number(siteId),
      directory: "/home/forge/pr-7.example.test/current",
    })
  ).json.data.id;
  await ok("GET", `${SERVER_PATH}/background-processes?filter[site_id]=${siteId}`);
  await ok("GET", `${SERVER_PATH}/background-processes/${process}`);
  await ok("POST", `${SERVER_PATH}/background-processes/${process}/actions`, { action: "restart" });
  const rule = (
    await ok("POST", `${site}/security-rules`, {
      name: "preview",
      credentials: [{ username: "preview", password: "pw" }],
    })
  ).json.data.id;
  await ok("GET", `${site}/security-rules`);
  await ok("GET", `${site}/security-rules/${rule}`);
  await ok("PUT", `${site}/security-rules/${rule}`, { name: "preview", credentials: [{ username: "preview" }] });
  await ok("POST", `${site}/commands`, { command: "php artisan about" });
  const commands = (await ok("GET", `${site}/commands?sort=-created_at&filter[command]=about`)).json.data;
  await ok("GET", `${site}/commands/${commands[0].id}`);
  await ok("GET", `${site}/commands/${commands[0].id}/output`);
  await ok("GET", `${site}/healthcheck`);
  await ok("PUT", `${site}/healthcheck`, { healthcheck_endpoint: "https://pr-7.example.test/up" });
  await ok("DELETE", `${site}/security-rules/${rule}`);
  await ok("DELETE", `${SERVER_PATH}/background-processes/${process}`);
  await ok("DELETE", `${domain}/certificates/${certificate}`);
  await ok("DELETE", `${SERVER_PATH}/database/users/${user}`);
  await ok("DELETE", `${SERVER_PATH}/database/schemas/${db}`);
  await ok("DELETE", site);
  // Error answers the spec documents are checked too.
  await eventually(
    () => call(sim, "GET", `/orgs/acme/sites/${siteId}`),
    (response) => response.status === 404,
  );
  expect((await call(sim, "POST", `${SERVER_PATH}/database/schemas`, {})).status).toBe(422);
}

describe.each(["instant", "realistic"] as const)("simulator responses in the %s profile", (profile) => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ checkResponses: true, profile, timeScale: 0.0005, rateLimitPerMinute: 0 });
  });
  afterAll(async () => sim.close());

  it("match the spec's response schemas for every implemented operation", async () => {
    await exerciseEveryRoute(sim);
    expect(sim.responseViolations).toEqual([]);
    const exercised = new Set(sim.requests.map((request) => `${request.method} ${request.route}`));
    const missing = ROUTES.map((route) => `${route.method.toUpperCase()} ${route.template}`).filter(
      (key) => !exercised.has(key),
    );
    expect(missing).toEqual([]);
  });
});

describe("simulator response self-check", () => {
  const validator = new ContractValidator(loadSpec(resolveOpenapiPath(undefined) as string));
  const getSite = validator.operation("get", "/orgs/{organization}/sites/{site}");
  const updateSite = validator.operation("put", "/orgs/{organization}/servers/{server}/sites/{site}");

  it("flags a body missing required attributes", () => {
    const problems = validator.checkResponse(getSite!, 200, {
      data: { id: "1", type: "sites", links: { self: { href: "http://127.0.0.1/api/x" } }, attributes: { name: "x" } },
    });
    expect(problems).toContainEqual(expect.stringContaining("must have required property 'status'"));
  });

  it("flags an undocumented status, a missing body and a body where the spec documents none", () => {
    expect(validator.checkResponse(getSite!, 201, {})).toEqual([
      expect.stringContaining("status 201 is not documented"),
    ]);
    expect(validator.checkResponse(getSite!, 200, undefined)).toEqual([
      expect.stringContaining("the response was empty"),
    ]);
    expect(validator.checkResponse(updateSite!, 202, { data: null })).toEqual([
      expect.stringContaining("documents an empty body"),
    ]);
    expect(validator.checkResponse(updateSite!, 202, undefined)).toEqual([]);
  });
});
