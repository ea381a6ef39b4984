import { ForgeNotFoundError, waitDone, waitPending } from "../../../../providers/forge";
import { ORG, SERVER_ID, useHarness } from "../../../support/forge-simulator";

const t = useHarness();

describe("organizations and servers", () => {
  it("lists the organizations and gets one by slug", async () => {
    await expect(t.forge.organizations.list().all()).resolves.toStrictEqual([
      { id: expect.any(Number), name: expect.any(String), slug: ORG },
    ]);
    await expect(t.forge.organizations.get(ORG)).resolves.toMatchObject({ slug: ORG });
    expect(t.h.calls()).toStrictEqual(["GET /orgs", `GET /orgs/${ORG}`]);
  });

  it("filters servers by name and gets one by id", async () => {
    await expect(t.forge.servers.list({ name: "preview-1" }).all()).resolves.toMatchObject([
      { id: 1, name: "preview-1", isReady: true },
    ]);
    await expect(t.forge.servers.get(SERVER_ID)).resolves.toMatchObject({
      id: 1,
      name: "preview-1",
      ipAddress: expect.any(String),
    });
    expect(t.h.sim.requests.map((r) => [r.method, r.path, r.query])).toStrictEqual([
      ["GET", `/orgs/${ORG}/servers`, { "filter[name]": "preview-1", "page[size]": "2" }],
      ["GET", `/orgs/${ORG}/servers/1`, {}],
    ]);
  });
});

describe("sites", () => {
  it("creates a site, sending every given field in Forge's snake_case and nothing else", async () => {
    const site = await t.forge.sites.create(SERVER_ID, {
      type: "laravel",
      domainMode: "custom",
      name: "pr-12.example.dev",
      wwwRedirectType: "none",
      allowWildcardSubdomains: false,
      webDirectory: "/public",
      isIsolated: true,
      isolatedUser: "pr12",
      phpVersion: "php84",
      zeroDowntimeDeployments: true,
      sourceControlProvider: "github",
      repository: "acme/app",
      branch: "feature/login",
      tags: ["preview"],
      sharedPaths: [{ from: "storage", to: "storage" }],
    });
    expect(site).toMatchObject({ name: "pr-12.example.dev", status: "installing", isolated: true, user: "pr12" });
    const [request] = t.h.sim.requests;
    expect([request!.method, request!.path, request!.status]).toStrictEqual([
      "POST",
      `/orgs/${ORG}/servers/1/sites`,
      202,
    ]);
    expect(request!.bodyKeys?.sort()).toStrictEqual(
      [
        "type",
        "domain_mode",
        "name",
        "www_redirect_type",
        "allow_wildcard_subdomains",
        "web_directory",
        "is_isolated",
        "isolated_user",
        "php_version",
        "zero_downtime_deployments",
        "source_control_provider",
        "repository",
        "branch",
        "tags",
        "shared_paths",
      ].sort(),
    );
    expect(t.h.sim.state().sites).toMatchObject([
      {
        id: site.id,
        serverId: 1,
        name: "pr-12.example.dev",
        type: "laravel",
        phpVersion: "php84",
        isolated: true,
        user: "pr12",
        repository: { provider: "github", url: "acme/app", branch: "feature/login" },
        tags: ["preview"],
        sharedPaths: { storage: "storage" },
      },
    ]);
  });

  it("gets a site through the org-level path and waits for it to be installed", async () => {
    const created = await t.forge.sites.create(SERVER_ID, { type: "php", name: "pr-3.example.dev" });
    const installed = await t.forge.waitFor(
      async () => {
        const site = await t.forge.sites.get(created.id);
        return site.status === "installed" ? waitDone(site) : waitPending(site.status);
      },
      { what: `site ${created.id}`, timeoutMs: 10_000, intervalMs: 500 },
    );
    expect(installed).toMatchObject({ id: created.id, name: "pr-3.example.dev", status: "installed" });
    expect(t.h.calls()[1]).toBe(`GET /orgs/${ORG}/sites/${created.id}`);
  });

  it("finds a site by exact name although Forge's filter matches partially", async () => {
    await t.forge.sites.create(SERVER_ID, { type: "php", name: "pr-10.example.dev" });
    await t.forge.sites.create(SERVER_ID, { type: "php", name: "pr-1.example.dev" });
    t.h.sim.clearRequests();
    await expect(t.forge.sites.findByName(SERVER_ID, "pr-1.example.dev")).resolves.toMatchObject({
      name: "pr-1.example.dev",
    });
    await expect(t.forge.sites.findByName(SERVER_ID, "pr-2.example.dev")).resolves.toBeUndefined();
    expect(t.h.sim.requests[0]!.query).toStrictEqual({ "filter[name]": "pr-1.example.dev", "page[size]": "2" });
  });

  it("lists the sites of the whole organization", async () => {
    await t.forge.sites.create(SERVER_ID, { type: "php", name: "pr-4.example.dev" });
    t.h.sim.clearRequests();
    await expect(t.forge.sites.listInOrg().all()).resolves.toMatchObject([{ name: "pr-4.example.dev" }]);
    expect(t.h.calls()).toStrictEqual([`GET /orgs/${ORG}/sites`]);
  });

  it("updates a site with only the given fields", async () => {
    const site = await t.forge.sites.create(SERVER_ID, {
      type: "laravel",
      name: "pr-5.example.dev",
      phpVersion: "php83",
    });
    t.h.sim.clearRequests();
    await t.forge.sites.update(SERVER_ID, site.id, { phpVersion: "php84", pushToDeploy: true });
    const [request] = t.h.sim.requests;
    expect([request!.method, request!.path, request!.status]).toStrictEqual([
      "PUT",
      `/orgs/${ORG}/servers/1/sites/${site.id}`,
      202,
    ]);
    expect(request!.bodyKeys).toStrictEqual(["php_version", "push_to_deploy"]);
    expect(t.h.sim.state().sites[0]).toMatchObject({ phpVersion: "php84", pushToDeploy: true });
  });

  it("deletes a site, after which get answers ForgeNotFoundError", async () => {
    const site = await t.forge.sites.create(SERVER_ID, { type: "php", name: "pr-6.example.dev" });
    await t.forge.sites.delete(SERVER_ID, site.id);
    expect(t.h.sim.requests.at(-1)).toMatchObject({
      method: "DELETE",
      path: `/orgs/${ORG}/servers/1/sites/${site.id}`,
      status: 202,
    });
    const gone = await t.forge.waitFor(
      async () => {
        try {
          return waitPending((await t.forge.sites.get(site.id)).status);
        } catch (error) {
          if (error instanceof ForgeNotFoundError) return waitDone(true);
          throw error;
        }
      },
      { what: `site ${site.id} to be deleted`, timeoutMs: 10_000, intervalMs: 500 },
    );
    expect(gone).toBe(true);
    expect(t.h.sim.state().sites).toStrictEqual([]);
  });
});

describe("healthcheck endpoint", () => {
  it("sets, reads and clears the URL Forge checks after deployments", async () => {
    const site = await t.forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-8.example.dev" });
    t.h.sim.clearRequests();
    await t.forge.healthcheck.update(SERVER_ID, site.id, { url: "https://pr-8.example.dev/up" });
    await expect(t.forge.healthcheck.get(SERVER_ID, site.id)).resolves.toBe("https://pr-8.example.dev/up");
    expect(t.h.sim.state().sites[0]!.healthcheckUrl).toBe("https://pr-8.example.dev/up");
    await t.forge.healthcheck.update(SERVER_ID, site.id, { url: null });
    await expect(t.forge.healthcheck.get(SERVER_ID, site.id)).resolves.toBeNull();
    const path = `/orgs/${ORG}/servers/1/sites/${site.id}/healthcheck`;
    expect(t.h.calls()).toStrictEqual([`PUT ${path}`, `GET ${path}`, `PUT ${path}`, `GET ${path}`]);
    expect(t.h.sim.requests[0]!.bodyKeys).toStrictEqual(["healthcheck_endpoint"]);
  });
});
