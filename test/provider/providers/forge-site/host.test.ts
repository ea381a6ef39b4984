import type { Simulator } from "../../../../tools/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { DynamicHostCallError, UNKNOWN } from "../../../support/dynamic-host";
import {
  createFailingAsync,
  type ForgeProviderHost,
  startForgeProviderHost,
  useGroupHost,
} from "../../../support/provider-host";
import { FORGE_SITE_ARGS } from "../../../support/samples";
import { ORG, TOKEN, call } from "../../../support/simulator";
import { IN_PLACE, NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";

const SITES = `/orgs/${ORG}/servers/1/sites`;
const ARGS = { ...FORGE_SITE_ARGS, domain: "pr-123.preview.example.test" };
const OWNER_TAG = ARGS.ownerTag;

type Props = Record<string, unknown>;

/** A site made behind the provider's back, e.g. by an earlier run or by hand. */
async function createSiteDirectly(sim: Simulator, name: string, extra: Record<string, unknown> = {}): Promise<number> {
  const response = await call(sim, "POST", SITES, {
    type: "laravel",
    name,
    is_isolated: true,
    isolated_user: ARGS.isolatedUser,
    repository: ARGS.repository,
    branch: ARGS.branch,
    source_control_provider: "github",
    ...extra,
  });
  if (response.status !== 202) throw new Error(`direct site create answered ${response.status}`);
  return Number(response.json.data.id);
}

function siteInSim(sim: Simulator, id: number | string): ReturnType<Simulator["state"]>["sites"][number] | undefined {
  return sim.state().sites.find((site) => site.id === Number(id));
}

/** `METHOD path` of each request since the last `clearRequests`. */
function calls(sim: Simulator): string[] {
  return sim.requests.map((request) => `${request.method} ${request.path}`);
}

describe("ForgeSite through the real dynamic-provider host against the simulator", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;
  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });

  beforeAll(async () => {
    // One host per group below, so no host comes near its own limit of 60 Forge requests a minute.
    fixture = await startForgeProviderHost({
      register: async () => {
        const { ForgeSite } = await import("../../../../providers/forge-site");
        return new ForgeSite("site", ARGS);
      },
      startHost: false,
    });
    ({ sim, registration, urn, inputs } = fixture);
  });

  afterAll(() => fixture?.close());

  describe("checks and previews", () => {
    const host = useGroupHost(() => fixture);
    beforeEach(() => sim.reset());

    it("rejects invalid inputs with failures naming each field", async () => {
      const checked = await host.check(
        urn,
        {},
        withInputs({ domain: "bad domain.example.test", branch: "-x", phpVersion: "8.4" }),
      );

      expect(checked.failures).toStrictEqual([
        {
          property: "domain",
          reason:
            "`domain` must be lower-case letters, digits and dashes in dot-separated labels that neither start nor end with a dash",
        },
        { property: "phpVersion", reason: "`phpVersion` must look like `php84`" },
        { property: "branch", reason: "`branch` must not start with `-`" },
      ]);
    });

    it("checks and diffs unknown preview values without sending Forge a single request", async () => {
      const news = withInputs({ domain: UNKNOWN, branch: UNKNOWN });

      await expectPreviewWithoutForge(
        fixture,
        "7",
        { ...inputs, siteId: 7 },
        news,
        {
          diff: replacing(["domain"], "delete-first"),
          inputs: { domain: UNKNOWN, branch: UNKNOWN, sourceControlProvider: "github" },
        },
        host,
      );
    });
  });

  describe("lifecycle of one site", () => {
    const host = useGroupHost(() => fixture);
    let id: string;
    let outs: Props;
    beforeAll(async () => {
      sim.reset();
      const checked = await host.check(urn, {}, inputs);
      ({ id, outs } = await host.create(urn, checked.inputs));
    });

    it("creates an isolated, tagged laravel site without zero-downtime releases and waits until it is installed", () => {
      const site = siteInSim(sim, id);
      expect(site).toMatchObject({
        name: "pr-123.preview.example.test",
        type: "laravel",
        status: "installed",
        isolated: true,
        user: "pr123",
        phpVersion: "php84",
        webDirectory: "/public",
        zeroDowntime: false,
        pushToDeploy: true,
        wwwRedirectType: "none",
        wildcards: false,
        tags: [OWNER_TAG],
        repository: { provider: "github", url: "acme/customer-app", branch: "feature/login" },
      });
      expect(outs).toStrictEqual({
        ...ARGS,
        sourceControlProvider: "github",
        siteId: Number(id),
        siteUser: "pr123",
        siteDirectory: "/home/pr123/pr-123.preview.example.test",
        url: "https://pr-123.preview.example.test",
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        __provider: registration.providerText,
      });
    });

    it("looks the domain up with its tags, creates once and polls the site until installed", () => {
      expect(calls(sim)).toStrictEqual([`GET ${SITES}`, `POST ${SITES}`, `GET /orgs/${ORG}/sites/${id}`]);
      expect(sim.requests[0].query).toStrictEqual({ "filter[name]": ARGS.domain, include: "tags" });
      expect(sim.requests[1].bodyKeys).toEqual(
        expect.arrayContaining(["is_isolated", "isolated_user", "tags", "push_to_deploy"]),
      );
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("reports an in-place change for the PHP version and delete-before-replace for the domain", async () => {
      expect(await host.diff(urn, id, outs, withInputs({ phpVersion: "php83" }))).toStrictEqual(IN_PLACE);
      expect(await host.diff(urn, id, outs, withInputs({ domain: "pr-124.preview.example.test" }))).toStrictEqual(
        replacing(["domain"], "delete-first"),
      );
    });

    it("updates PHP version, branch, push-to-deploy and web directory in place with one PUT", async () => {
      sim.clearRequests();
      const changes = { phpVersion: "php83", branch: "main", pushToDeploy: false, webDirectory: "/web" };

      ({ outs } = await host.update(urn, id, outs, withInputs(changes)));

      expect(siteInSim(sim, id)).toMatchObject({
        phpVersion: "php83",
        pushToDeploy: false,
        webDirectory: "/web",
        repository: { branch: "main" },
      });
      expect(calls(sim)).toStrictEqual([
        `GET /orgs/${ORG}/sites/${id}`,
        `GET /orgs/${ORG}/sites/${id}`,
        `PUT ${SITES}/${id}`,
        `GET /orgs/${ORG}/sites/${id}`,
      ]);
      expect(sim.requests[2].bodyKeys?.sort()).toStrictEqual([
        "directory",
        "php_version",
        "push_to_deploy",
        "repository_branch",
      ]);
      expect(outs).toMatchObject({ ...changes, siteId: Number(id), __provider: registration.providerText });
    });

    it("reads changes made in Forge back into the state, so refresh sees drift", async () => {
      await call(sim, "PUT", `${SITES}/${id}`, { php_version: "php82" });

      const read = await host.read(urn, id, outs);

      expect(read.id).toBe(id);
      expect(read.props).toMatchObject({
        phpVersion: "php82",
        branch: "main",
        domain: ARGS.domain,
        ownerTag: OWNER_TAG,
      });
    });

    it("deletes the site it owns and waits until Forge answers 404", async () => {
      sim.clearRequests();

      await host.delete(urn, id, outs);

      expect(siteInSim(sim, id)).toBeUndefined();
      expect(calls(sim)).toStrictEqual([`GET ${SITES}`, `DELETE ${SITES}/${id}`, `GET /orgs/${ORG}/sites/${id}`]);
      expect(sim.requests.at(-1)?.status).toBe(404);
    });

    it("answers a read of the deleted site with an empty id, so refresh drops it", async () => {
      expect((await host.read(urn, id, outs)).id).toBe("");
    });

    it("treats deleting an already-deleted site as done, without a DELETE", async () => {
      sim.clearRequests();

      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();
      expect(calls(sim)).toStrictEqual([`GET ${SITES}`, `GET /orgs/${ORG}/sites/${id}`]);
    });
  });

  describe("replacement, drift, adoption, refusal, partial failure and secrets", () => {
    const host = useGroupHost(() => fixture);
    beforeEach(() => sim.reset());

    it("replaces a site under a new domain the way the engine does it: old site deleted first, then the new one created", async () => {
      const first = await host.create(urn, inputs);
      const newInputs = withInputs({ domain: "pr-124.preview.example.test" });
      const diff = await host.diff(urn, first.id, first.outs, newInputs);
      expect(diff.deleteBeforeReplace).toBe(true);

      await host.delete(urn, first.id, first.outs);
      const second = await host.create(urn, newInputs);

      expect(second.id).not.toBe(first.id);
      expect(sim.state().sites.map((site) => [site.id, site.name])).toStrictEqual([
        [Number(second.id), "pr-124.preview.example.test"],
      ]);
    });

    it("drops a site deleted in Forge from the state on read", async () => {
      const { id, outs } = await host.create(urn, inputs);
      await call(sim, "DELETE", `${SITES}/${id}`);

      expect((await host.read(urn, id, outs)).id).toBe("");
    });

    it("adopts a site with the same domain that carries the stack's tag and brings it to the inputs", async () => {
      const existing = await createSiteDirectly(sim, ARGS.domain, {
        tags: [OWNER_TAG],
        php_version: "php82",
        push_to_deploy: false,
      });
      sim.clearRequests();

      const { id, outs } = await host.create(urn, inputs);

      expect(id).toBe(String(existing));
      expect(calls(sim)).not.toContain(`POST ${SITES}`);
      expect(calls(sim)).toContain(`PUT ${SITES}/${existing}`);
      expect(siteInSim(sim, existing)).toMatchObject({ phpVersion: "php84", pushToDeploy: true, tags: [OWNER_TAG] });
      expect(outs).toMatchObject({ siteId: existing, phpVersion: "php84", pushToDeploy: true });
      expect(sim.state().sites).toHaveLength(1);
    });

    it("refuses a site with the same domain that does not carry the stack's tag, naming the domain, its id and the fix", async () => {
      const foreign = await createSiteDirectly(sim, ARGS.domain, { tags: ["someone-else"] });
      sim.clearRequests();

      const error = await host.create(urn, inputs).catch((rejection: unknown) => rejection);

      expect(error).toBeInstanceOf(DynamicHostCallError);
      expect((error as DynamicHostCallError).details).toContain(
        `Forge already has a site \`${ARGS.domain}\` (site ${foreign}) on server 1 without this stack's tag \`${OWNER_TAG}\`, ` +
          "and this stack's state does not hold it, so it is not this preview's to take over; delete it in Forge or pick " +
          "another PR domain.",
      );
      expect((error as DynamicHostCallError).initFailure).toBeUndefined();
      expect(calls(sim)).toStrictEqual([`GET ${SITES}`]);
      expect(siteInSim(sim, foreign)).toMatchObject({ status: "installed", tags: ["someone-else"] });
    });

    it("leaves a site with the domain but another id than the state's in place: its name alone proves nothing", async () => {
      const foreign = await createSiteDirectly(sim, ARGS.domain);
      const gone = foreign + 1000;
      const props = { ...inputs, sourceControlProvider: "github", siteId: gone };

      await host.delete(urn, String(gone), props);

      expect(calls(sim).filter((call) => call.startsWith("DELETE"))).toStrictEqual([]);
      expect(siteInSim(sim, foreign)?.status).toBe("installed");
    });

    it("refuses to delete a site whose id now belongs to another domain", async () => {
      const other = await createSiteDirectly(sim, "somebody-else.example.test", { tags: [OWNER_TAG] });
      const props = { ...inputs, sourceControlProvider: "github", siteId: other };

      const error = await host.delete(urn, String(other), props).catch((rejection: unknown) => rejection);

      expect((error as DynamicHostCallError).details).toContain(
        `Refusing to delete Forge site ${other}: it is not \`${ARGS.domain}\` on server 1 any more (Forge calls it \`somebody-else.example.test\`)`,
      );
      expect(siteInSim(sim, other)?.status).toBe("installed");
    });
    it("keeps the id of a site whose install failed as a partial failure, which delete can still remove", async () => {
      const { error, id, state } = await createFailingAsync(fixture, SITES, inputs, host);

      const [site] = sim.state().sites;
      expect(site.status).toBe("failed");
      expect(error.initFailure).toStrictEqual({
        id: String(site.id),
        properties: expect.objectContaining({
          siteId: site.id,
          domain: ARGS.domain,
          ownerTag: OWNER_TAG,
          __provider: registration.providerText,
        }),
        reasons: [
          expect.stringContaining(
            `Forge site \`${ARGS.domain}\` (site ${site.id}) failed to install (status \`failed\`)`,
          ),
        ],
      });

      await host.delete(urn, id, state);
      expect(sim.state().sites).toStrictEqual([]);
    });

    it("keeps the Forge token and the deploy hook token out of outputs, __provider and host logs", async () => {
      const { id, outs } = await host.create(urn, inputs);
      await host.read(urn, id, outs);
      await host.waitForLog(/forge-site: site \d+ \(pr-123\.preview\.example\.test\) is installed/);
      const hookToken = siteInSim(sim, id)?.deployHookToken ?? "missing";

      for (const secret of [TOKEN, hookToken]) {
        expect(JSON.stringify(outs)).not.toContain(secret);
        expect(registration.providerText).not.toContain(secret);
        expect(host.logs()).not.toContain(secret);
      }
      expect(hookToken).toMatch(/^[0-9a-f]{32}$/);
    });
  });
});
