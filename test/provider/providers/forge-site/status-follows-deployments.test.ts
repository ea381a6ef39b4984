import type { Quirks } from "../../../../tools/simulator";
import { SERVER_PATH, call, eventually } from "../../../support/simulator";
import { type Props, type SiteHost, startSiteHost, within } from "./site-host";

/**
 * Forge's SiteStatus mixes install and deployment states, and other clients know `unhealthy` (unknowns #2). After a
 * failed deployment the site is still installed: ForgeSite must not call it an install failure on every later `up`,
 * nor wait ten minutes for it to change.
 */
describe.each([["failed"], ["unhealthy"]] as const)(
  "ForgeSite against a Forge whose site reports `%s` after a failed deployment",
  (afterFailure: NonNullable<Quirks["siteStatusAfterFailedDeployment"]>) => {
    let site: SiteHost;
    let id: string;
    let outs: Props;

    async function failDeployment(siteId: string): Promise<void> {
      const path = `${SERVER_PATH}/sites/${siteId}/deployments`;
      site.sim.inject({ method: "POST", path, asyncOutcome: "failed" });
      const deployment = (await call(site.sim, "POST", path)).json.data.id;
      await eventually(
        async () => (await call(site.sim, "GET", `/orgs/acme/sites/${siteId}`)).json.data.attributes.status,
        (status) => status === afterFailure,
      );
      expect(site.sim.state().deployments.find((item) => item.id === Number(deployment))?.status).toBe("failed");
    }

    beforeAll(async () => {
      site = await startSiteHost("pr-402.preview.example.test", { siteStatusAfterFailedDeployment: afterFailure });
      ({ id, outs } = await site.host.create(site.urn, site.inputs));
      await failDeployment(id);
    });

    afterAll(() => site?.fixture.close());

    it("updates the site in place after the failed deployment instead of calling it a failed install", async () => {
      const { sim, host, urn, inputs } = site;
      sim.clearRequests();

      const { outs: updated } = await within(
        20_000,
        "ForgeSite is still waiting for the site to leave its post-deployment status",
        host.update(urn, id, outs, { ...inputs, branch: "feature/other" }),
      );

      expect(updated).toMatchObject({ branch: "feature/other", siteId: Number(id) });
      expect(sim.requests.filter((request) => request.method !== "GET").map((request) => request.method)).toStrictEqual(
        ["PUT"],
      );
    });

    it("adopts its own tagged site after lost state, whatever status its deployment left", async () => {
      const { host, urn, inputs } = site;

      const adopted = await within(20_000, "ForgeSite is still waiting to adopt the site", host.create(urn, inputs));

      expect(adopted.id).toBe(id);
    });
  },
);
