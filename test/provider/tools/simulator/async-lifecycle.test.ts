import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, eventually, startTestSimulator } from "../../../support/simulator";

const status = (response: { json: any }): string => response.json.data.attributes.status;

describe("simulator async lifecycles in the instant profile", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ rateLimitPerMinute: 0 });
  });
  afterAll(async () => sim.close());

  it("answers a create with the in-progress status and any later GET with the final one", async () => {
    const created = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-10.example.test" });
    expect(created.status).toBe(202);
    expect(status(created)).toBe("installing");
    expect(status(await call(sim, "GET", `/orgs/acme/sites/${created.json.data.id}`))).toBe("installed");

    const db = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: "pr_10" });
    expect(status(db)).toBe("installing");
    expect(status(await call(sim, "GET", `${SERVER_PATH}/database/schemas/${db.json.data.id}`))).toBe("installed");

    const processCreated = await call(sim, "POST", `${SERVER_PATH}/background-processes`, {
      name: "q",
      command: "php artisan queue:work",
      user: "forge",
      processes: 1,
    });
    expect(status(processCreated)).toBe("installing");
    expect(status(await call(sim, "GET", `${SERVER_PATH}/background-processes/${processCreated.json.data.id}`))).toBe(
      "running",
    );
  });

  it("walks a deployment from queued to finished and a command from waiting to finished", async () => {
    const site = await createSite(sim, "pr-11.example.test");
    const deployment = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    expect(status(deployment)).toBe("queued");
    expect(status(await call(sim, "GET", `${SERVER_PATH}/sites/${site}/deployments/${deployment.json.data.id}`))).toBe(
      "finished",
    );
    const afterDeploy = await call(sim, "GET", `/orgs/acme/sites/${site}`);
    expect(afterDeploy.json.data.attributes.deployment_status).toBe("deployed");

    expect(
      (await call(sim, "POST", `${SERVER_PATH}/sites/${site}/commands`, { command: "php artisan about" })).status,
    ).toBe(202);
    const commands = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/commands?filter[status]=finished`);
    expect(commands.json.data.map((command: any) => command.attributes.command)).toEqual(["php artisan about"]);
  });

  it("issues, activates and reports a certificate, which makes the site https", async () => {
    const site = await createSite(sim, "pr-12.example.test");
    const domains = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[type]=primary`);
    const domain = `${SERVER_PATH}/sites/${site}/domains/${domains.json.data[0].id}`;
    const created = await call(sim, "POST", `${domain}/certificates`, {
      type: "letsencrypt",
      enable: true,
      letsencrypt: { verification_method: "http-01" },
    });
    expect(created.json.data.attributes).toMatchObject({
      request_status: "verifying",
      status: "installing",
      active: false,
    });
    const fetched = await call(sim, "GET", `${domain}/certificates/${created.json.data.id}`);
    expect(fetched.json.data.attributes).toMatchObject({
      request_status: "created",
      status: "installed",
      active: true,
    });
    expect((await call(sim, "GET", `${domain}/certificates/active`)).json.data.id).toBe(created.json.data.id);
    const siteNow = await call(sim, "GET", `/orgs/acme/sites/${site}`);
    expect(siteNow.json.data.attributes).toMatchObject({ https: true, url: "https://pr-12.example.test" });
  });

  it("leaves a certificate created without `enable` inactive until an enable action", async () => {
    const site = await createSite(sim, "pr-13.example.test");
    const domainId = (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains`)).json.data[0].id;
    const domain = `${SERVER_PATH}/sites/${site}/domains/${domainId}`;
    const certificate = (await call(sim, "POST", `${domain}/certificates`, { type: "letsencrypt" })).json.data.id;
    expect((await call(sim, "GET", `${domain}/certificates/active`)).status).toBe(404);
    expect(
      (await call(sim, "POST", `${domain}/certificates/${certificate}/actions`, { action: "enable" })).status,
    ).toBe(202);
    expect((await call(sim, "GET", `${domain}/certificates/${certificate}`)).json.data.attributes.active).toBe(true);
  });

  it("removes deleted objects: a site is gone (404) and its domains with it", async () => {
    const site = await createSite(sim, "pr-14.example.test");
    expect((await call(sim, "DELETE", `${SERVER_PATH}/sites/${site}`)).status).toBe(202);
    expect((await call(sim, "GET", `/orgs/acme/sites/${site}`)).status).toBe(404);
    expect(sim.state().domains.filter((domain) => String(domain.siteId) === site)).toEqual([]);
  });
});

describe("simulator async lifecycles in a fast-scaled realistic profile", () => {
  let sim: Simulator;
  beforeAll(async () => {
    // Site installs take 20-40 s at scale 1; at 0.005 they take 100-200 ms with the same ratios.
    sim = await startTestSimulator({ profile: "realistic", timeScale: 0.005, rateLimitPerMinute: 0 });
  });
  afterAll(async () => sim.close());

  async function statusesUntil(path: string, final: string, first?: string): Promise<string[]> {
    const seen: string[] = first === undefined ? [] : [first];
    await eventually(
      async () => {
        const response = await call(sim, "GET", path);
        const current = response.status === 404 ? "gone" : status(response);
        if (seen[seen.length - 1] !== current) seen.push(current);
        return current;
      },
      (current) => current === final,
    );
    return seen;
  }

  it("keeps a site installing for a while, then installed", async () => {
    const started = Date.now();
    const site = await createSite(sim, "pr-20.example.test");
    expect(await statusesUntil(`/orgs/acme/sites/${site}`, "installed")).toEqual(["installing", "installed"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("walks a deployment through queued, deploying and finished in order", async () => {
    const site = await createSite(sim, "pr-21.example.test");
    const created = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    const seen = await statusesUntil(
      `${SERVER_PATH}/sites/${site}/deployments/${created.json.data.id}`,
      "finished",
      status(created),
    );
    expect(seen).toEqual(["queued", "deploying", "finished"]);
  });

  it("shows a deleted site as removing before it is gone", async () => {
    const site = await createSite(sim, "pr-22.example.test");
    await statusesUntil(`/orgs/acme/sites/${site}`, "installed");
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${site}`);
    expect(await statusesUntil(`/orgs/acme/sites/${site}`, "gone")).toEqual(["removing", "gone"]);
  });

  it("moves a certificate's request status through verifying, creating and created", async () => {
    const site = await createSite(sim, "pr-23.example.test");
    await statusesUntil(`/orgs/acme/sites/${site}`, "installed");
    const domainId = (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains`)).json.data[0].id;
    const path = `${SERVER_PATH}/sites/${site}/domains/${domainId}/certificates`;
    const created = await call(sim, "POST", path, { type: "letsencrypt", enable: true });
    const certificate = created.json.data.id;
    const seen: string[] = [created.json.data.attributes.request_status];
    await eventually(
      async () => {
        const attributes = (await call(sim, "GET", `${path}/${certificate}`)).json.data.attributes;
        if (seen[seen.length - 1] !== attributes.request_status) seen.push(attributes.request_status);
        return attributes;
      },
      (attributes) => attributes.active === true,
    );
    expect(seen).toEqual(["verifying", "creating", "created"]);
  });
});
