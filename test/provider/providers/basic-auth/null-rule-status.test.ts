import type { Simulator } from "../../../../tools/simulator";
import type { DynamicHost } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { SERVER_PATH, createSite } from "../../../support/simulator";

type Props = Record<string, unknown>;

/** The spec makes a security rule's `status` nullable; this Forge never reports anything else. */
describe("BasicAuth against a Forge that reports security rule status as null", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let urn: string;
  let inputs: Props;
  let siteId: number;
  let id: string;
  let outs: Props;

  const rulesPath = (): string => `${SERVER_PATH}/sites/${siteId}/security-rules`;
  const writes = (): string[] =>
    sim.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`);
  const ruleReads = (): number =>
    sim.requests.filter((request) => request.method === "GET" && request.path === `${rulesPath()}/${id}`).length;

  /**
   * Runs a provider call, but gives up once it has read the rule more than `limit` times: a wait for a status that
   * never comes would otherwise poll for three minutes, far past the test's timeout.
   */
  async function withinReads<T>(call: Promise<T>, limit = 5): Promise<T> {
    let done = false;
    const outcome = call.finally(() => {
      done = true;
    });
    while (!done) {
      const reads = sim.requests.filter(
        (request) => request.method === "GET" && /\/security-rules\/\d+$/.test(request.path),
      ).length;
      if (reads > limit)
        throw new Error(`the provider read the rule ${reads} times and is still waiting for its status`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return outcome;
  }

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      simulator: { quirks: { securityRuleStatusNull: true } },
      prepare: async (started) => {
        siteId = Number(await createSite(started, "pr-8.preview.test"));
      },
      register: async () => {
        const { BasicAuth } = await import("../../../../providers/basic-auth");
        return new BasicAuth("auth", {
          serverId: 1,
          siteId,
          name: "forge-previews",
          username: "preview",
          password: null,
        });
      },
      check: true,
    });
    ({ sim, host, urn, inputs } = fixture);
    sim.clearRequests();
    ({ id, outs } = await withinReads(host.create(urn, inputs)));
  });

  afterAll(() => fixture?.close());

  it("creates the rule with one write and accepts it once the site's rule list holds it", () => {
    expect(writes()).toStrictEqual([`POST ${rulesPath()}`]);
    expect(ruleReads()).toBeLessThanOrEqual(2);
    expect(outs).toMatchObject({ ruleId: Number(id), name: "forge-previews", username: "preview" });
    expect(sim.state().securityRules.filter((rule) => rule.siteId === siteId)).toMatchObject([
      { id: Number(id), status: "installed" },
    ]);
  });

  it("refreshes and diffs a rule without a status with no Forge write and no change", async () => {
    sim.clearRequests();

    const read = await host.read(urn, id, outs, inputs);
    const diffed = await host.diff(urn, id, read.props, inputs);

    expect(read.id).toBe(id);
    expect(diffed).toMatchObject({ changes: "none" });
    expect(writes()).toStrictEqual([]);
  });

  it("updates the credentials with one write and does not wait for a status Forge never reports", async () => {
    sim.clearRequests();

    const { outs: updated } = await withinReads(host.update(urn, id, outs, { ...inputs, username: "reviewer" }));

    expect(writes()).toStrictEqual([`PUT ${rulesPath()}/${id}`]);
    expect(updated).toMatchObject({ username: "reviewer" });
    outs = updated;
  });

  it("deletes the rule", async () => {
    await host.delete(urn, id, outs);

    expect(sim.state().securityRules.filter((rule) => rule.siteId === siteId)).toStrictEqual([]);
  });
});
