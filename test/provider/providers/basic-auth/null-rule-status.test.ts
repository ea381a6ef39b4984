import { useForgeProviderHost } from "../../../support/provider-host";
import { SERVER_PATH, createSite } from "../../../support/simulator";

type Props = Record<string, unknown>;

/** The spec makes a security rule's `status` nullable; this Forge never reports anything else. */
describe("BasicAuth against a Forge that reports security rule status as null", () => {
  let siteId: number;
  let id: string;
  let outs: Props;

  const fixture = useForgeProviderHost({
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

  const rulesPath = (): string => `${SERVER_PATH}/sites/${siteId}/security-rules`;
  const writes = (): string[] =>
    fixture.sim.requests
      .filter((request) => request.method !== "GET")
      .map((request) => `${request.method} ${request.path}`);
  const ruleReads = (): number =>
    fixture.sim.requests.filter((request) => request.method === "GET" && request.path === `${rulesPath()}/${id}`)
      .length;

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
      const reads = fixture.sim.requests.filter(
        (request) => request.method === "GET" && /\/security-rules\/\d+$/.test(request.path),
      ).length;
      if (reads > limit)
        throw new Error(`the provider read the rule ${reads} times and is still waiting for its status`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return outcome;
  }

  beforeAll(async () => {
    fixture.sim.clearRequests();
    ({ id, outs } = await withinReads(fixture.host.create(fixture.urn, fixture.inputs)));
  });

  it("creates the rule with one write and accepts it once the site's rule list holds it", () => {
    expect(writes()).toStrictEqual([`POST ${rulesPath()}`]);
    expect(ruleReads()).toBeLessThanOrEqual(2);
    expect(outs).toMatchObject({ ruleId: Number(id), name: "forge-previews", username: "preview" });
    expect(fixture.sim.state().securityRules.filter((rule) => rule.siteId === siteId)).toMatchObject([
      { id: Number(id), status: "installed" },
    ]);
  });

  it("refreshes and diffs a rule without a status with no Forge write and no change", async () => {
    fixture.sim.clearRequests();

    const read = await fixture.host.read(fixture.urn, id, outs, fixture.inputs);
    const diffed = await fixture.host.diff(fixture.urn, id, read.props, fixture.inputs);

    expect(read.id).toBe(id);
    expect(diffed).toMatchObject({ changes: "none" });
    expect(writes()).toStrictEqual([]);
  });

  it("updates the credentials with one write and does not wait for a status Forge never reports", async () => {
    fixture.sim.clearRequests();

    const { outs: updated } = await withinReads(
      fixture.host.update(fixture.urn, id, outs, { ...fixture.inputs, username: "reviewer" }),
    );

    expect(writes()).toStrictEqual([`PUT ${rulesPath()}/${id}`]);
    expect(updated).toMatchObject({ username: "reviewer" });
    outs = updated;
  });

  it("deletes the rule", async () => {
    await fixture.host.delete(fixture.urn, id, outs);

    expect(fixture.sim.state().securityRules.filter((rule) => rule.siteId === siteId)).toStrictEqual([]);
  });
});
