import { useForgeProviderHost } from "../../../support/provider-host";
import { call, createSite, certificatesPath, primaryDomainOf, liveCertificates } from "../../../support/simulator";

const DOMAIN = "pr-14.preview.test";
const CERTIFICATES_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates";

type Props = Record<string, unknown>;

/** The response's CertificateType enum has no `clone`; this Forge reports a copied wildcard as `letsencrypt`. */
describe("LetsEncryptCert in clone mode against a Forge that reports clones as `letsencrypt`", () => {
  let siteId: number;
  let domainRecordId: number;
  let id: string;
  let outs: Props;

  const writes = (): string[] =>
    fixture.sim.requests
      .filter((request) => request.method !== "GET")
      .map((request) => `${request.method} ${request.path}`);
  /** The site's certificates that are not on their way out. */
  const certificates = () => liveCertificates(fixture.sim, domainRecordId);

  let wildcardCertificateId = 0;
  const fixture = useForgeProviderHost({
    simulator: { quirks: { cloneCertificateType: "letsencrypt" } },
    prepare: async (started) => {
      siteId = Number(await createSite(started, DOMAIN, { is_isolated: true, isolated_user: "shop-pr14" }));
      domainRecordId = await primaryDomainOf(started, siteId);
      // The team's wildcard certificate lives on another site of the server; clone mode copies it.
      const wildcardSite = Number(await createSite(started, "wildcard.preview.test"));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const response = await call(
        started,
        "POST",
        certificatesPath(wildcardSite, await primaryDomainOf(started, wildcardSite)),
        {
          type: "letsencrypt",
          enable: true,
          letsencrypt: { verification_method: "dns-01" },
        },
      );
      wildcardCertificateId = Number(response.json.data.id);
    },
    register: async () => {
      const { LetsEncryptCert } = await import("../../../../providers/lets-encrypt-cert");
      const clone = { mode: "clone", cloneCertificateId: wildcardCertificateId } as const;
      return new LetsEncryptCert("tls", { serverId: 1, siteId, domain: DOMAIN, ...clone });
    },
    check: true,
  });

  beforeAll(async () => {
    fixture.sim.clearRequests();
    ({ id, outs } = await fixture.host.create(fixture.urn, fixture.inputs));
  });

  it("requests one clone and waits for it to serve", () => {
    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(outs).toMatchObject({ certificateId: Number(id), mode: "clone", active: true, status: "installed" });
    expect(certificates()).toMatchObject([{ id: Number(id), type: "clone" }]);
  });

  it("adopts its clone after losing its state instead of requesting a duplicate", async () => {
    fixture.sim.clearRequests();

    const again = await fixture.host.create(fixture.urn, fixture.inputs);

    expect(again.id).toBe(id);
    expect(writes()).toStrictEqual([]);
    expect(certificates()).toHaveLength(1);
  });

  it("refreshes and diffs the clone with no Forge write and no change", async () => {
    fixture.sim.clearRequests();

    const read = await fixture.host.read(fixture.urn, id, outs, fixture.inputs);
    const diffed = await fixture.host.diff(fixture.urn, id, read.props, fixture.inputs);

    expect(read.props).toMatchObject({ certificateId: Number(id), status: "installed" });
    expect(diffed).toMatchObject({ changes: "none" });
    expect(writes()).toStrictEqual([]);
  });

  it("finds the clone it asked for when the answer to the request is lost", async () => {
    await fixture.host.delete(fixture.urn, id, outs);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(certificates()).toStrictEqual([]);
    fixture.sim.inject({ method: "POST", path: CERTIFICATES_ROUTE, lostAnswer: "server-error", status: 502 });
    fixture.sim.clearRequests();

    const recovered = await fixture.host.create(fixture.urn, fixture.inputs);

    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(certificates()).toMatchObject([{ id: Number(recovered.id), type: "clone" }]);
  });

  it("does not take the Let's Encrypt certificate of an earlier mode, still serving while it switches to clone", async () => {
    await fixture.host.delete(fixture.urn, (await fixture.host.create(fixture.urn, fixture.inputs)).id, outs);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const earlier = await call(fixture.sim, "POST", certificatesPath(siteId, domainRecordId), {
      type: "letsencrypt",
      enable: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    fixture.sim.clearRequests();

    const clone = await fixture.host.create(fixture.urn, fixture.inputs);

    expect(clone.id).not.toBe(earlier.json.data.id);
    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(
      certificates()
        .map((certificate) => certificate.type)
        .sort(),
    ).toStrictEqual(["clone", "letsencrypt"]);
  });
});
