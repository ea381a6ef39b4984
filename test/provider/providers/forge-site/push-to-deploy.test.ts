import type { Simulator } from "../../../../tools/simulator";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { FORGE_SITE_ARGS } from "../../../support/samples";
import { ORG } from "../../../support/simulator";
import { IN_PLACE } from "../../../support/diff-outcomes";

const SITES = `/orgs/${ORG}/servers/1/sites`;
const ARGS = { ...FORGE_SITE_ARGS, domain: "pr-123.preview.example.test", pushToDeploy: true };

type Props = Record<string, unknown>;

/**
 * Previews made before push-to-deploy was turned off have it on in Forge. The next `up` must switch it off on the same
 * site: replacing it would delete the preview's site, and with it the deployed code, to change one flag.
 */
describe.each([
  ["Forge reports push-to-deploy", {}],
  // Real Forge may leave quick_deploy null until its webhook is installed: the previous inputs then say what changed.
  ["Forge reports push-to-deploy as null", { quickDeployNullUntilWebhook: true }],
])("ForgeSite switching push-to-deploy off on an existing site when %s", (_case, quirks) => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let urn: string;
  let inputs: Props;

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      simulator: { quirks },
      register: async () => {
        const { ForgeSite } = await import("../../../../providers/forge-site");
        return new ForgeSite("site", ARGS);
      },
    });
    ({ sim, urn, inputs } = fixture);
  });

  afterAll(() => fixture?.close());

  it("turns it off with one PUT of push_to_deploy on the same site, neither deleting nor creating a site", async () => {
    const host = fixture.host;
    sim.reset();
    const checked = await host.check(urn, {}, inputs);
    const { id, outs } = await host.create(urn, checked.inputs);
    const siteBefore = sim.state().sites.find((site) => site.id === Number(id));
    expect(siteBefore).toMatchObject({ pushToDeploy: true });
    const news = { ...checked.inputs, pushToDeploy: false };

    const diffed = await host.diff(urn, id, outs, news);
    sim.clearRequests();
    const updated = await host.update(urn, id, outs, news);

    expect(diffed).toStrictEqual(IN_PLACE);
    const writes = sim.requests.filter((request) => request.method !== "GET");
    expect(writes.map((request) => `${request.method} ${request.path}`)).toStrictEqual([`PUT ${SITES}/${id}`]);
    expect(writes[0]!.bodyKeys).toStrictEqual(["push_to_deploy"]);
    expect(sim.state().sites).toStrictEqual([
      expect.objectContaining({ id: Number(id), pushToDeploy: false, createdAt: siteBefore!.createdAt }),
    ]);
    expect(updated.outs).toMatchObject({ siteId: Number(id), pushToDeploy: false });
  });
});
