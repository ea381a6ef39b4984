import { ForgeNotFoundError, type ForgeClient } from "../../../../providers/forge";
import { ORG, SERVER_ID, resetHarness, startHarness, type Harness } from "../../../support/forge-simulator";

let h: Harness;
let forge: ForgeClient;
let siteId: number;
let sitePath: string;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});
beforeEach(async () => {
  resetHarness(h);
  forge = h.client();
  siteId = (await forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-21.example.dev" })).id;
  sitePath = `/orgs/${ORG}/servers/1/sites/${siteId}`;
  h.sim.clearRequests();
});

describe("domains", () => {
  it("finds the site's primary domain record with a type filter", async () => {
    const primary = await forge.domains.findPrimary(SERVER_ID, siteId);
    expect(primary).toMatchObject({ name: "pr-21.example.dev", type: "primary", status: "enabled" });
    expect(h.sim.requests.map((r) => [r.method, r.path, r.query])).toStrictEqual([
      ["GET", `${sitePath}/domains`, { "filter[type]": "primary", "page[size]": "2" }],
    ]);
    await expect(forge.domains.get(SERVER_ID, siteId, primary!.id)).resolves.toStrictEqual(primary);
    expect(h.calls()[1]).toBe(`GET ${sitePath}/domains/${primary!.id}`);
  });
});

describe("certificates", () => {
  async function primaryDomainId(): Promise<number> {
    const primary = await forge.domains.findPrimary(SERVER_ID, siteId);
    h.sim.clearRequests();
    return primary!.id;
  }

  it("requests a Let's Encrypt certificate on the domain record, enabled on issue", async () => {
    const domainId = await primaryDomainId();
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, siteId, domainId);
    expect(certificate).toMatchObject({ type: "letsencrypt", status: "installing", active: false, verificationMethod: "http-01" });
    expect(h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${sitePath}/domains/${domainId}/certificates`,
      status: 202,
      bodyKeys: ["type", "enable", "letsencrypt"],
    });
    await expect(forge.certificates.get(SERVER_ID, siteId, domainId, certificate.id)).resolves.toMatchObject({
      id: certificate.id,
      status: "installed",
      requestStatus: "created",
      active: true,
    });
    await expect(forge.certificates.getActive(SERVER_ID, siteId, domainId)).resolves.toMatchObject({ id: certificate.id });
    expect(h.calls().slice(1)).toStrictEqual([
      `GET ${sitePath}/domains/${domainId}/certificates/${certificate.id}`,
      `GET ${sitePath}/domains/${domainId}/certificates/active`,
    ]);
  });

  it("lists certificates without page parameters, since Forge returns them as one array", async () => {
    const domainId = await primaryDomainId();
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, siteId, domainId, { keyType: "ecdsa" });
    h.sim.clearRequests();
    await expect(forge.certificates.list(SERVER_ID, siteId, domainId).all()).resolves.toMatchObject([
      { id: certificate.id, keyType: "ecdsa" },
    ]);
    expect(h.sim.requests.map((r) => [r.method, r.path, r.query])).toStrictEqual([
      ["GET", `${sitePath}/domains/${domainId}/certificates`, {}],
    ]);
  });

  it("disables a certificate with an action, after which no certificate is active", async () => {
    const domainId = await primaryDomainId();
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, siteId, domainId);
    await forge.certificates.get(SERVER_ID, siteId, domainId, certificate.id);
    h.sim.clearRequests();
    await forge.certificates.runAction(SERVER_ID, siteId, domainId, certificate.id, "disable");
    expect(h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${sitePath}/domains/${domainId}/certificates/${certificate.id}/actions`,
      status: 202,
      bodyKeys: ["action"],
    });
    await expect(forge.certificates.get(SERVER_ID, siteId, domainId, certificate.id)).resolves.toMatchObject({ active: false });
    await expect(forge.certificates.getActive(SERVER_ID, siteId, domainId)).rejects.toBeInstanceOf(ForgeNotFoundError);
  });

  it("deletes a certificate", async () => {
    const domainId = await primaryDomainId();
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, siteId, domainId);
    h.sim.clearRequests();
    await forge.certificates.delete(SERVER_ID, siteId, domainId, certificate.id);
    expect(h.sim.requests[0]).toMatchObject({
      method: "DELETE",
      path: `${sitePath}/domains/${domainId}/certificates/${certificate.id}`,
      status: 202,
    });
    await expect(forge.certificates.get(SERVER_ID, siteId, domainId, certificate.id)).rejects.toBeInstanceOf(
      ForgeNotFoundError,
    );
  });

  it("reports a certificate that failed to issue", async () => {
    const domainId = await primaryDomainId();
    h.sim.inject({ method: "POST", path: `${sitePath}/domains/${domainId}/certificates`, asyncOutcome: "failed" });
    const certificate = await forge.certificates.createLetsEncrypt(SERVER_ID, siteId, domainId);
    await expect(forge.certificates.get(SERVER_ID, siteId, domainId, certificate.id)).resolves.toMatchObject({
      status: "failed",
      active: false,
    });
  });
});
