import { ForgeNotFoundError } from "../../../../providers/forge";
import { SERVER_ID, useHarnessWithSite } from "../../../support/forge-simulator";

const t = useHarnessWithSite({ type: "laravel", name: "pr-21.example.dev" });

describe("domains", () => {
  it("finds the site's primary domain record with a type filter", async () => {
    const primary = await t.forge.domains.findPrimary(SERVER_ID, t.siteId);
    expect(primary).toMatchObject({ name: "pr-21.example.dev", type: "primary", status: "enabled" });
    expect(t.h.sim.requests.map((r) => [r.method, r.path, r.query])).toStrictEqual([
      ["GET", `${t.sitePath}/domains`, { "filter[type]": "primary", "page[size]": "2" }],
    ]);
    await expect(t.forge.domains.get(SERVER_ID, t.siteId, primary!.id)).resolves.toStrictEqual(primary);
    expect(t.h.calls()[1]).toBe(`GET ${t.sitePath}/domains/${primary!.id}`);
  });
});

describe("certificates", () => {
  async function primaryDomainId(): Promise<number> {
    const primary = await t.forge.domains.findPrimary(SERVER_ID, t.siteId);
    t.h.sim.clearRequests();
    return primary!.id;
  }

  it("requests a Let's Encrypt certificate on the domain record, enabled on issue", async () => {
    const domainId = await primaryDomainId();
    const certificate = await t.forge.certificates.createLetsEncrypt(SERVER_ID, t.siteId, domainId);
    expect(certificate).toMatchObject({
      type: "letsencrypt",
      status: "installing",
      active: false,
      verificationMethod: "http-01",
    });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${t.sitePath}/domains/${domainId}/certificates`,
      status: 202,
      bodyKeys: ["type", "enable", "letsencrypt"],
    });
    await expect(t.forge.certificates.get(SERVER_ID, t.siteId, domainId, certificate.id)).resolves.toMatchObject({
      id: certificate.id,
      status: "installed",
      requestStatus: "created",
      active: true,
    });
    await expect(t.forge.certificates.getActive(SERVER_ID, t.siteId, domainId)).resolves.toMatchObject({
      id: certificate.id,
    });
    expect(t.h.calls().slice(1)).toStrictEqual([
      `GET ${t.sitePath}/domains/${domainId}/certificates/${certificate.id}`,
      `GET ${t.sitePath}/domains/${domainId}/certificates/active`,
    ]);
  });

  it("lists certificates without page parameters, since Forge returns them as one array", async () => {
    const domainId = await primaryDomainId();
    const certificate = await t.forge.certificates.createLetsEncrypt(SERVER_ID, t.siteId, domainId, {
      keyType: "ecdsa",
    });
    t.h.sim.clearRequests();
    await expect(t.forge.certificates.list(SERVER_ID, t.siteId, domainId).all()).resolves.toMatchObject([
      { id: certificate.id, keyType: "ecdsa" },
    ]);
    expect(t.h.sim.requests.map((r) => [r.method, r.path, r.query])).toStrictEqual([
      ["GET", `${t.sitePath}/domains/${domainId}/certificates`, {}],
    ]);
  });

  it("disables a certificate with an action, after which no certificate is active", async () => {
    const domainId = await primaryDomainId();
    const certificate = await t.forge.certificates.createLetsEncrypt(SERVER_ID, t.siteId, domainId);
    await t.forge.certificates.get(SERVER_ID, t.siteId, domainId, certificate.id);
    t.h.sim.clearRequests();
    await t.forge.certificates.runAction(SERVER_ID, t.siteId, domainId, certificate.id, "disable");
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${t.sitePath}/domains/${domainId}/certificates/${certificate.id}/actions`,
      status: 202,
      bodyKeys: ["action"],
    });
    await expect(t.forge.certificates.get(SERVER_ID, t.siteId, domainId, certificate.id)).resolves.toMatchObject({
      active: false,
    });
    await expect(t.forge.certificates.getActive(SERVER_ID, t.siteId, domainId)).rejects.toBeInstanceOf(
      ForgeNotFoundError,
    );
  });

  it("deletes a certificate", async () => {
    const domainId = await primaryDomainId();
    const certificate = await t.forge.certificates.createLetsEncrypt(SERVER_ID, t.siteId, domainId);
    t.h.sim.clearRequests();
    await t.forge.certificates.delete(SERVER_ID, t.siteId, domainId, certificate.id);
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "DELETE",
      path: `${t.sitePath}/domains/${domainId}/certificates/${certificate.id}`,
      status: 202,
    });
    await expect(t.forge.certificates.get(SERVER_ID, t.siteId, domainId, certificate.id)).rejects.toBeInstanceOf(
      ForgeNotFoundError,
    );
  });

  it("reports a certificate that failed to issue", async () => {
    const domainId = await primaryDomainId();
    t.h.sim.inject({ method: "POST", path: `${t.sitePath}/domains/${domainId}/certificates`, asyncOutcome: "failed" });
    const certificate = await t.forge.certificates.createLetsEncrypt(SERVER_ID, t.siteId, domainId);
    await expect(t.forge.certificates.get(SERVER_ID, t.siteId, domainId, certificate.id)).resolves.toMatchObject({
      status: "failed",
      active: false,
    });
  });
});
