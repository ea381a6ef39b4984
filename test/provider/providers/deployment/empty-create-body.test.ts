import type { Simulator } from "../../../../tools/simulator";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { deploymentInputs } from "../../../support/samples";
import { SERVER_PATH, call } from "../../../support/simulator";

const DOMAIN = "pr-405.example.dev";

/** Some creates answer 202 without the promised body (unknowns #21), a deployment's included. */
describe("Deployment against a Forge whose creates answer 202 with an empty body", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let siteId: number;

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      simulator: { quirks: { emptyCreateBodies: true } },
      prepare: async (started) => {
        const created = await call(started, "POST", `${SERVER_PATH}/sites`, {
          type: "laravel",
          name: DOMAIN,
          repository: "acme/app",
          branch: "main",
          zero_downtime_deployments: false,
        });
        expect(created.text).toBe("");
        siteId = started.state().sites[0].id;
      },
      register: async () => {
        const { Deployment } = await import("../../../../providers/deployment");
        return new Deployment("web", deploymentInputs(siteId, DOMAIN));
      },
      check: true,
    });
    sim = fixture.sim;
  });

  afterAll(() => fixture?.close());

  it("follows the deployment it started, found as the site's newest, to `finished`", async () => {
    sim.clearRequests();

    const { outs } = await fixture.host.create(fixture.urn, fixture.inputs);

    const deployments = sim.state().deployments.filter((deployment) => deployment.siteId === siteId);
    expect(deployments.map(({ id, status }) => ({ id, status }))).toStrictEqual([
      { id: outs.deploymentId, status: "finished" },
    ]);
    expect(outs).toMatchObject({ status: "finished" });
    expect(
      sim.requests.filter((request) => request.method === "POST").map((request) => `${request.path} ${request.status}`),
    ).toStrictEqual([`${SERVER_PATH}/sites/${siteId}/deployments 202`]);
  });

  it("deploys again on the next run, following the new deployment rather than the one before it", async () => {
    const before = sim.state().deployments.map((deployment) => deployment.id);

    const { outs } = await fixture.host.create(fixture.urn, fixture.inputs);

    expect(before).not.toContain(outs.deploymentId);
    expect(sim.state().deployments.find((deployment) => deployment.id === outs.deploymentId)?.status).toBe("finished");
  });
});
