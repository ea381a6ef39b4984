import type { SimulatorOptions } from "../../../../tools/simulator";
import { forgetIssuances } from "../../../support/issuances";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { call, eventually } from "../../../support/simulator";

/**
 * A `letsencrypt`-mode LetsEncryptCert for `domain` (pass the site's id with each call), its host counting issuances in
 * the local Redis as on a server; that record of `domain` is forgotten before the suite and when it closes.
 */
export async function startLetsEncryptFixture(
  domain: string,
  simulator: Partial<SimulatorOptions>,
): Promise<ForgeProviderHost> {
  await forgetIssuances(domain);
  const fixture = await startForgeProviderHost({
    server: { redis: true },
    simulator,
    register: async () => {
      const { LetsEncryptCert } = await import("../../../../providers/lets-encrypt-cert");
      return new LetsEncryptCert("tls", {
        serverId: 1,
        siteId: 1,
        domain,
        mode: "letsencrypt",
        cloneCertificateId: null,
      });
    },
    check: true,
  });
  return {
    ...fixture,
    async close() {
      await forgetIssuances(domain);
      await fixture.close();
    },
  };
}

/** Site `siteId`'s status once it has left `installing`. */
export function installedSite(fixture: ForgeProviderHost, siteId: number): Promise<string> {
  return eventually(
    async () => (await call(fixture.sim, "GET", `/orgs/acme/sites/${siteId}`)).json.data.attributes.status as string,
    (status) => status !== "installing",
  );
}
