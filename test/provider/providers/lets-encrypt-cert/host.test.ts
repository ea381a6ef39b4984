import type { Simulator } from "../../../../tools/simulator";
import {
  SERVER_PATH,
  call,
  createSite,
  certificatesPath,
  primaryDomainOf,
  liveCertificates,
} from "../../../support/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure as failureOf } from "../../../support/dynamic-host";
import { createFailingAsync, type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";
import { forgetIssuances } from "../../../support/issuances";

const SITE_ROUTE = "/orgs/{organization}/servers/{server}/sites/{site}";
const CERTIFICATES_ROUTE = `${SITE_ROUTE}/domains/{domainRecord}/certificates`;
const CERTIFICATE_ROUTE = `${CERTIFICATES_ROUTE}/{certificate}`;
const DOMAIN = "pr-12.preview.test";

type Props = Record<string, unknown>;

describe("LetsEncryptCert through the real dynamic-provider host", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;
  let siteId: number;
  let domainRecordId: number;
  let wildcardCertificateId: number;

  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });
  /** The site's certificates that are not on their way out. */
  const certificates = () => liveCertificates(sim, domainRecordId);
  const routesSince = (from: number): string[] =>
    sim.requests.slice(from).map((r) => `${r.method} ${r.route ?? r.path}`);
  const rawCertificate = async (site: number, domain: number, body: Props): Promise<number> => {
    const response = await call(sim, "POST", certificatesPath(site, domain), body);
    if (response.status !== 202) throw new Error(`seeding a certificate failed: ${response.status} ${response.text}`);
    return Number(response.json.data.id);
  };
  /** A Let's Encrypt certificate put on the site's primary domain behind the provider's back. */
  const rawLetsEncrypt = (enable: boolean): Promise<number> =>
    rawCertificate(siteId, domainRecordId, { type: "letsencrypt", enable, letsencrypt: {} });
  /** The state the provider keeps for an installed, serving `certificateId` on the site's primary domain, with `changes`. */
  const stateOf = (certificateId: number, changes: Props = {}): Props => ({
    ...inputs,
    certificateId,
    domainRecordId,
    active: true,
    expiresAt: null,
    status: "installed",
    ...changes,
  });
  const removeSiteCertificates = async (): Promise<void> => {
    for (const certificate of certificates()) {
      await call(sim, "DELETE", `${certificatesPath(siteId, domainRecordId)}/${certificate.id}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(certificates()).toStrictEqual([]);
  };

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      server: { redis: true },
      prepare: async (started) => {
        sim = started;
        siteId = Number(await createSite(sim, DOMAIN, { is_isolated: true, isolated_user: "shop-pr12" }));
        domainRecordId = await primaryDomainOf(sim, siteId);
        // The team's wildcard certificate lives on another site of the server; clone mode copies it.
        const wildcardSite = Number(await createSite(sim, "wildcard.preview.test"));
        await new Promise((resolve) => setTimeout(resolve, 5));
        wildcardCertificateId = await rawCertificate(wildcardSite, await primaryDomainOf(sim, wildcardSite), {
          type: "letsencrypt",
          enable: true,
          letsencrypt: { verification_method: "dns-01" },
        });
      },
      register: async () => {
        const { LetsEncryptCert } = await import("../../../../providers/lets-encrypt-cert");
        return new LetsEncryptCert("tls", {
          serverId: 1,
          siteId,
          domain: DOMAIN,
          mode: "letsencrypt",
          cloneCertificateId: null,
        });
      },
      check: true,
    });
    ({ host, registration, urn, inputs } = fixture);
  });

  // Every create here asks Let's Encrypt again for the one domain; its weekly allowance is not what these test.
  beforeEach(() => forgetIssuances(DOMAIN));
  afterAll(async () => {
    await forgetIssuances(DOMAIN);
    await fixture?.close();
  });

  it("registers as forge:LetsEncryptCert with its arguments as plain, non-secret inputs and nothing else", () => {
    const { __provider: _provider, ...registered } = registration.inputs;

    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:LetsEncryptCert");
    expect(registered).toStrictEqual({
      serverId: 1,
      siteId,
      domain: DOMAIN,
      mode: "letsencrypt",
      cloneCertificateId: null,
    });
  });

  describe("check and diff, which also run during preview", () => {
    it("refuses bad inputs, naming each field, without calling Forge", async () => {
      const before = sim.requests.length;

      const checked = await host.check(urn, {}, withInputs({ domain: "*.preview.test", mode: "existing", siteId: 0 }));

      expect(checked.failures.map((failure) => failure.property)).toStrictEqual(["siteId", "domain", "mode"]);
      expect(sim.requests.length).toBe(before);
    });

    it("passes unknown inputs through and plans a replacement without calling Forge", async () => {
      await expectPreviewWithoutForge(fixture, "9", stateOf(9), withInputs({ domain: UNKNOWN }), {
        diff: replacing(["domain"], "delete-first"),
        inputs: { domain: UNKNOWN, cloneCertificateId: null },
      });
    });
  });

  describe("lifecycle of one certificate", () => {
    let id: string;
    let outs: Props;

    it("requests an ECDSA http-01 certificate on the primary domain record, enabled, and waits until it serves", async () => {
      const from = sim.requests.length;

      ({ id, outs } = await host.create(urn, inputs));

      expect(certificates()).toMatchObject([
        {
          id: Number(id),
          siteId,
          type: "letsencrypt",
          keyType: "ecdsa",
          verificationMethod: "http-01",
          status: "installed",
          values: { active: true },
        },
      ]);
      expect(outs).toStrictEqual({
        ...inputs,
        certificateId: Number(id),
        domainRecordId,
        active: true,
        expiresAt: null,
        status: "installed",
      });
      expect(routesSince(from)).toStrictEqual([
        `GET ${SITE_ROUTE}/domains`,
        `GET ${CERTIFICATES_ROUTE}`,
        `POST ${CERTIFICATES_ROUTE}`,
        `GET ${CERTIFICATE_ROUTE}`,
      ]);
      expect(sim.requests[from].query).toStrictEqual({ "filter[type]": "primary", "page[size]": "30" });
      expect(sim.requests[from + 2].bodyKeys?.sort()).toStrictEqual(["enable", "letsencrypt", "type"]);
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("replaces create-first when switching to a clone, so HTTPS never drops", async () => {
      const clone = withInputs({ mode: "clone", cloneCertificateId: wildcardCertificateId });

      expect(await host.diff(urn, id, outs, clone)).toStrictEqual(
        replacing(["mode", "cloneCertificateId"], "create-first"),
      );
    });

    it("resumes waiting on the same certificate when the engine retries an unfinished create, without requesting another", async () => {
      const from = sim.requests.length;

      const updated = await host.update(urn, id, { ...outs, active: false, status: "installing" }, inputs);

      expect(updated.outs).toStrictEqual(outs);
      expect(routesSince(from)).toStrictEqual([`GET ${CERTIFICATE_ROUTE}`, `GET ${CERTIFICATE_ROUTE}`]);
    });

    it("carries out the switch to a cloned wildcard as create then delete, leaving the clone serving", async () => {
      const clone = withInputs({ mode: "clone", cloneCertificateId: wildcardCertificateId });
      const from = sim.requests.length;

      const replaced = await host.create(urn, clone);
      await host.delete(urn, id, outs);

      expect(
        sim.requests
          .slice(from)
          .find((r) => r.method === "POST")
          ?.bodyKeys?.sort(),
      ).toStrictEqual(["clone", "enable", "type"]);
      expect(certificates()).toMatchObject([
        { id: Number(replaced.id), type: "clone", status: "installed", values: { active: true } },
      ]);
      expect(replaced.outs).toMatchObject({
        mode: "clone",
        cloneCertificateId: wildcardCertificateId,
        active: true,
        domainRecordId,
      });
      ({ id, outs } = replaced);
    });

    it("drops the certificate from state on refresh once it was deleted outside Pulumi", async () => {
      await call(sim, "DELETE", `${certificatesPath(siteId, domainRecordId)}/${id}`);
      await new Promise((resolve) => setTimeout(resolve, 5));

      expect((await host.read(urn, id, outs)).id).toBe("");
    });

    it("treats deleting an already deleted certificate as done", async () => {
      const from = sim.requests.length;

      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();

      expect(routesSince(from)).toStrictEqual([
        `GET ${SITE_ROUTE}/domains/{domainRecord}`,
        `DELETE ${CERTIFICATE_ROUTE}`,
      ]);
      expect(sim.requests.at(-1)?.status).toBe(404);
    });
  });

  describe("ownership and adoption", () => {
    afterEach(removeSiteCertificates);

    it("adopts the serving Let's Encrypt certificate already on the domain record instead of requesting one", async () => {
      const existing = await rawLetsEncrypt(true);
      const from = sim.requests.length;

      const { id, outs } = await host.create(urn, inputs);

      expect(id).toBe(String(existing));
      expect(outs).toMatchObject({ certificateId: existing, active: true });
      expect(routesSince(from)).not.toContain(`POST ${CERTIFICATES_ROUTE}`);
      expect(certificates().map((certificate) => certificate.id)).toStrictEqual([existing]);
    });

    it("enables an installed certificate that is not serving yet while resuming its wait", async () => {
      const inactive = await rawLetsEncrypt(false);
      const state = stateOf(inactive, { active: false, status: "installing" });
      const from = sim.requests.length;

      const { outs } = await host.update(urn, String(inactive), state, inputs);

      expect(outs).toMatchObject({ certificateId: inactive, active: true, status: "installed" });
      expect(routesSince(from).filter((route) => route.startsWith("POST"))).toStrictEqual([
        `POST ${CERTIFICATE_ROUTE}/actions`,
      ]);
    });

    it("refuses a domain that is not the site's primary domain, without requesting anything", async () => {
      const from = sim.requests.length;

      const error = await failureOf(host.create(urn, withInputs({ domain: "pr-99.preview.test" })));

      expect(error.details).toContain(
        `Site ${siteId} on server 1 has the primary domain \`${DOMAIN}\`, not \`pr-99.preview.test\``,
      );
      expect(routesSince(from).filter((route) => !route.startsWith("GET"))).toStrictEqual([]);
    });

    it("refuses to delete when the domain record no longer carries the domain, and leaves the certificate alone", async () => {
      const existing = await rawLetsEncrypt(true);
      const state = stateOf(existing, { domain: "pr-99.preview.test" });

      const error = await failureOf(host.delete(urn, String(existing), state));

      expect(error.details).toContain(`Domain record ${domainRecordId} of site ${siteId} is now \`${DOMAIN}\``);
      expect(certificates().map((certificate) => certificate.id)).toStrictEqual([existing]);
    });
  });

  describe("a certificate Let's Encrypt refuses", () => {
    it("fails naming the domain and status, keeps the id in state, is replaced by the next diff and can be deleted", async () => {
      const { error, id, state } = await createFailingAsync(fixture, CERTIFICATES_ROUTE, inputs);

      const [certificate] = certificates();
      expect(certificate).toMatchObject({ id: Number(id), status: "failed" });
      expect(error.details).toContain(`Certificate ${certificate.id} for \`${DOMAIN}\` ended with status \`failed\``);
      expect(state).toMatchObject({ certificateId: certificate.id, domainRecordId, active: false, status: "failed" });
      expect(await host.diff(urn, id, state, inputs)).toStrictEqual(replacing(["status"], "delete-first"));

      await host.delete(urn, id, state);
      expect(certificates()).toStrictEqual([]);
    });
  });

  it("treats a certificate whose site is gone as deleted", async () => {
    const site = Number(await createSite(sim, "pr-14.preview.test"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const domain = await primaryDomainOf(sim, site);
    const certificate = await rawCertificate(site, domain, { type: "letsencrypt", enable: true, letsencrypt: {} });
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${site}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const state = stateOf(certificate, { siteId: site, domain: "pr-14.preview.test", domainRecordId: domain });

    await expect(host.delete(urn, String(certificate), state)).resolves.toBeUndefined();
    expect((await host.read(urn, String(certificate), state)).id).toBe("");
  });

  it("keeps the Forge token out of the host's logs", async () => {
    await host.waitForLog(/lets-encrypt-cert: requested certificate/);

    expect(host.logs()).not.toContain(fixture.token);
  });
});
