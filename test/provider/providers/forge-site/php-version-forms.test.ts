import type { Simulator } from "../../../../tools/simulator";
import type { DynamicHost } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { FORGE_SITE_ARGS } from "../../../support/samples";
import { ORG } from "../../../support/simulator";

const SITES = `/orgs/${ORG}/servers/1/sites`;
const ARGS = { ...FORGE_SITE_ARGS, domain: "pr-321.preview.example.test" };

type Props = Record<string, unknown>;

/** `METHOD path` of every request that changes something in Forge, since the last `clearRequests`. */
function writes(sim: Simulator): string[] {
  return sim.requests
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path}`);
}

/**
 * Runs a provider call, but gives up as soon as it sends Forge an update: a site that never settles would otherwise
 * keep the call polling for ten minutes, far past the test's timeout.
 */
async function withoutUpdates<T>(sim: Simulator, call: Promise<T>): Promise<T> {
  let done = false;
  const outcome = call.finally(() => {
    done = true;
  });
  while (!done) {
    const update = writes(sim).find((line) => line.startsWith("PUT "));
    if (update !== undefined) throw new Error(`the provider sent \`${update}\` and is waiting for Forge to echo it`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return outcome;
}

// null: php_version as sent (`php84`), so only the null quick_deploy is in play.
describe.each([["8.4"], ["PHP 8.4"], [null]] as const)(
  "ForgeSite against a Forge that reports php_version as `%s` and quick_deploy as null",
  (form) => {
    let fixture: ForgeProviderHost;
    let sim: Simulator;
    let host: DynamicHost;
    let urn: string;
    let inputs: Props;
    let id: string;
    let outs: Props;

    beforeAll(async () => {
      fixture = await startForgeProviderHost({
        simulator: { quirks: { phpVersionForm: form, quickDeployNullUntilWebhook: true } },
        register: async () => {
          const { ForgeSite } = await import("../../../../providers/forge-site");
          return new ForgeSite("site", ARGS);
        },
        check: true,
      });
      ({ sim, host, urn, inputs } = fixture);
      sim.clearRequests();
      ({ id, outs } = await withoutUpdates(sim, host.create(urn, inputs)));
    });

    afterAll(() => fixture?.close());

    it("creates the site with one write and a short wait, without re-sending settings Forge spells differently", () => {
      expect(writes(sim)).toStrictEqual([`POST ${SITES}`]);
      // A wait on a field that never matches would keep polling the site until its ten-minute timeout.
      expect(sim.requests.filter((request) => request.path === `/orgs/${ORG}/sites/${id}`).length).toBeLessThanOrEqual(
        3,
      );
      expect(outs).toMatchObject({ phpVersion: "php84", pushToDeploy: true, siteId: Number(id) });
    });

    it("refreshes to Forge's own spelling `php84`, so the next diff finds no change", async () => {
      const read = await host.read(urn, id, outs, inputs);

      expect(read.props).toMatchObject({ phpVersion: "php84", pushToDeploy: true });
      expect(await host.diff(urn, id, read.props ?? {}, inputs)).toMatchObject({ changes: "none" });
    });

    it("sends Forge no write when an update finds nothing to change", async () => {
      sim.clearRequests();

      await withoutUpdates(sim, host.update(urn, id, outs, inputs));

      expect(writes(sim)).toStrictEqual([]);
    });

    it("sends a changed PHP version once and stops waiting when Forge reports it in its own form", async () => {
      sim.clearRequests();

      const { outs: updated } = await host.update(urn, id, outs, { ...inputs, phpVersion: "php83" });

      expect(writes(sim)).toStrictEqual([`PUT ${SITES}/${id}`]);
      expect(sim.requests.find((request) => request.method === "PUT")?.bodyKeys).toStrictEqual(["php_version"]);
      expect(updated).toMatchObject({ phpVersion: "php83" });
      expect(sim.state().sites.find((site) => site.id === Number(id))?.phpVersion).toBe("php83");
    });
  },
);
