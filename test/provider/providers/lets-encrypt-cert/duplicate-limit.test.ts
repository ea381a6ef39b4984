import type { Simulator } from "../../../../tools/simulator";
import { hostCallFailure } from "../../../support/dynamic-host";
import { countIssuances } from "../../../support/issuances";
import type { ForgeProviderHost } from "../../../support/provider-host";
import { SERVER_PATH, call, createSite, eventually } from "../../../support/simulator";
import { installedSite, startLetsEncryptFixture } from "./letsencrypt-fixture";

const DOMAIN = `pr-10-${process.pid}.preview.test`;

/**
 * Let's Encrypt issues at most 5 certificates for one name set a week (unknowns #19), counting certificates whose
 * site is long gone: a PR destroyed and previewed again asks for the same name each time.
 */
describe("LetsEncryptCert against Let's Encrypt's duplicate-certificate limit", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;

  /** A PR previewed again: a new site with the same domain, and a certificate requested on it. */
  const previewAgain = async () => {
    const siteId = Number(await createSite(sim, DOMAIN));
    expect(await installedSite(fixture, siteId)).toBe("installed");
    return { siteId, create: () => fixture.host.create(fixture.urn, { ...fixture.inputs, siteId }) };
  };
  /** The PR destroyed: its certificate, then its site. */
  const destroy = async (siteId: number, id: string, outs: Record<string, unknown>) => {
    await fixture.host.delete(fixture.urn, id, outs);
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${siteId}`);
    await eventually(
      async () => (await call(sim, "GET", `/orgs/acme/sites/${siteId}`)).status,
      (status) => status === 404,
    );
  };

  beforeAll(async () => {
    fixture = await startLetsEncryptFixture(DOMAIN, { quirks: { letsEncryptDuplicateLimit: 5 } });
    sim = fixture.sim;
  });

  afterAll(() => fixture?.close());

  it("counts every issuance once in the server's Redis across destroyed previews, and refuses the sixth before asking Forge", async () => {
    for (let round = 0; round < 5; round += 1) {
      const preview = await previewAgain();
      const { id, outs } = await preview.create();
      expect(outs).toMatchObject({ active: true, status: "installed" });
      // A run that lost its state adopts the certificate: the same issuance, not another.
      expect((await preview.create()).id).toBe(id);
      expect(await countIssuances(DOMAIN)).toBe(round + 1);
      await destroy(preview.siteId, id, outs);
    }
    expect(await countIssuances(DOMAIN)).toBe(5);
    const sixth = await previewAgain();
    sim.clearRequests();

    const error = await hostCallFailure(sixth.create());

    expect(error.details).toContain(`Let's Encrypt has issued 5 certificates for \`${DOMAIN}\` in the last 7 days`);
    expect(error.details).toContain("set the config key `certificateMode` to `clone`");
    expect(error.details).toContain("`wildcardCertificateId`");
    expect(sim.requests.filter((request) => request.method !== "GET")).toStrictEqual([]);
    expect(sim.state().certificates).toStrictEqual([]);
  });
});
