import type { Simulator } from "../../../../tools/simulator";
import type { DynamicHost } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { SERVER_PATH, call, createSite } from "../../../support/simulator";

const DOMAIN = "pr-14.preview.test";
const CERTIFICATES_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates";

type Props = Record<string, unknown>;

/** The response's CertificateType enum has no `clone`; this Forge reports a copied wildcard as `letsencrypt`. */
describe("LetsEncryptCert in clone mode against a Forge that reports clones as `letsencrypt`", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let urn: string;
  let inputs: Props;
  let siteId: number;
  let domainRecordId: number;
  let id: string;
  let outs: Props;

  const certificatesPath = (site: number, domain: number): string =>
    `${SERVER_PATH}/sites/${site}/domains/${domain}/certificates`;
  const primaryDomainOf = async (site: number): Promise<number> => {
    const response = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[type]=primary`);
    return Number(response.json.data[0].id);
  };
  const writes = (): string[] =>
    sim.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`);
  /** The site's certificates that are not on their way out. */
  const certificates = () =>
    sim
      .state()
      .certificates.filter(
        (certificate) => certificate.domainId === domainRecordId && certificate.status !== "removing",
      );

  beforeAll(async () => {
    let wildcardCertificateId = 0;
    fixture = await startForgeProviderHost({
      simulator: { quirks: { cloneCertificateType: "letsencrypt" } },
      prepare: async (started) => {
        sim = started;
        siteId = Number(await createSite(sim, DOMAIN, { is_isolated: true, isolated_user: "shop-pr14" }));
        domainRecordId = await primaryDomainOf(siteId);
        // The team's wildcard certificate lives on another site of the server; clone mode copies it.
        const wildcardSite = Number(await createSite(sim, "wildcard.preview.test"));
        await new Promise((resolve) => setTimeout(resolve, 5));
        const response = await call(sim, "POST", certificatesPath(wildcardSite, await primaryDomainOf(wildcardSite)), {
          type: "letsencrypt",
          enable: true,
          letsencrypt: { verification_method: "dns-01" },
        });
        wildcardCertificateId = Number(response.json.data.id);
      },
      register: async () => {
        const { LetsEncryptCert } = await import("../../../../providers/lets-encrypt-cert");
        return new LetsEncryptCert("tls", {
          serverId: 1,
          siteId,
          domain: DOMAIN,
          mode: "clone",
          cloneCertificateId: wildcardCertificateId,
        });
      },
      check: true,
    });
    ({ host, urn, inputs } = fixture);
    sim.clearRequests();
    ({ id, outs } = await host.create(urn, inputs));
  });

  afterAll(() => fixture?.close());

  it("requests one clone and waits for it to serve", () => {
    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(outs).toMatchObject({ certificateId: Number(id), mode: "clone", active: true, status: "installed" });
    expect(certificates()).toMatchObject([{ id: Number(id), type: "clone" }]);
  });

  it("adopts its clone after losing its state instead of requesting a duplicate", async () => {
    sim.clearRequests();

    const again = await host.create(urn, inputs);

    expect(again.id).toBe(id);
    expect(writes()).toStrictEqual([]);
    expect(certificates()).toHaveLength(1);
  });

  it("refreshes and diffs the clone with no Forge write and no change", async () => {
    sim.clearRequests();

    const read = await host.read(urn, id, outs, inputs);
    const diffed = await host.diff(urn, id, read.props, inputs);

    expect(read.props).toMatchObject({ certificateId: Number(id), status: "installed" });
    expect(diffed).toMatchObject({ changes: "none" });
    expect(writes()).toStrictEqual([]);
  });

  it("finds the clone it asked for when the answer to the request is lost", async () => {
    await host.delete(urn, id, outs);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(certificates()).toStrictEqual([]);
    sim.inject({ method: "POST", path: CERTIFICATES_ROUTE, lostAnswer: "server-error", status: 502 });
    sim.clearRequests();

    const recovered = await host.create(urn, inputs);

    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(certificates()).toMatchObject([{ id: Number(recovered.id), type: "clone" }]);
  });

  it("does not take the Let's Encrypt certificate of an earlier mode, still serving while it switches to clone", async () => {
    await host.delete(urn, (await host.create(urn, inputs)).id, outs);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const earlier = await call(sim, "POST", certificatesPath(siteId, domainRecordId), {
      type: "letsencrypt",
      enable: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    sim.clearRequests();

    const clone = await host.create(urn, inputs);

    expect(clone.id).not.toBe(earlier.json.data.id);
    expect(writes()).toStrictEqual([`POST ${certificatesPath(siteId, domainRecordId)}`]);
    expect(
      certificates()
        .map((certificate) => certificate.type)
        .sort(),
    ).toStrictEqual(["clone", "letsencrypt"]);
  });
});
