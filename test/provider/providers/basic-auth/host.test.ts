import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite } from "../../../support/simulator";
import { type CapturedRegistration, recordOptions } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure as failureOf } from "../../../support/dynamic-host";
import {
  createFailingAsync,
  type ForgeProviderHost,
  startForgeHost,
  startForgeProviderHost,
  startForgeSimulator,
} from "../../../support/provider-host";
import { IN_PLACE, NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SHARED_PASSWORD = "shared-SECRET-pass-5150";
const OWN_NAME = "forge-previews";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("BasicAuth through the real dynamic-provider host", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let inputs: Record<string, unknown>;
  let urn: string;
  const seenOptions: pulumi.CustomResourceOptions[] = [];
  let siteId: number;
  const passwordsSeen: string[] = [SHARED_PASSWORD];

  const rulesPath = (site: number): string => `${SERVER_PATH}/sites/${site}/security-rules`;
  const ruleRequests = (site: number, from: number): string[] =>
    sim.requests
      .slice(from)
      .filter((r) => r.path.startsWith(rulesPath(site)))
      .map((r) => `${r.method} ${r.path.slice(rulesPath(site).length) || "/"} ${r.status}`);
  const rulesOf = (site: number) => sim.state().securityRules.filter((rule) => rule.siteId === site);
  const withInputs = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...inputs, ...changes });
  const addRule = async (site: number, name: string, path: string | null): Promise<number> => {
    const body = {
      name,
      ...(path === null ? {} : { path }),
      credentials: [{ username: "staff", password: "staff-pass-1" }],
    };
    const response = await call(sim, "POST", rulesPath(site), body);
    if (response.status !== 202) throw new Error(`adding a rule failed with ${response.status}`);
    return Number(response.json.data.id);
  };
  const renameRule = async (site: number, ruleId: number, name: string, username: string): Promise<void> => {
    const response = await call(sim, "PUT", `${rulesPath(site)}/${ruleId}`, { name, credentials: [{ username }] });
    if (response.status !== 202) throw new Error(`renaming the rule failed with ${response.status}`);
  };

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      prepare: async (started) => {
        siteId = Number(await createSite(started, "pr-7.preview.test"));
      },
      register: async () => {
        const { BasicAuth } = await import("../../../../providers/basic-auth");
        const options = { transformations: [recordOptions(seenOptions)] };
        return new BasicAuth(
          "auth",
          { serverId: 1, siteId, name: OWN_NAME, username: "preview", password: null },
          options,
        );
      },
      check: true,
    });
    ({ sim, host, registration, urn, inputs } = fixture);
  });

  afterAll(() => fixture?.close());

  it("registers as forge:BasicAuth with the password input and the effective password output secret", () => {
    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:BasicAuth");
    expect(seenOptions.map((options) => options.additionalSecretOutputs)).toStrictEqual([["password"]]);
    expect(registration.inputs.password).toMatchObject({ [SECRET_SIG_KEY]: expect.any(String), value: null });
  });

  it("refuses a username with a colon in check, without calling Forge", async () => {
    const before = sim.requests.length;

    const checked = await host.check(urn, {}, withInputs({ username: "pre:view" }));

    expect(checked.failures).toStrictEqual([
      {
        property: "username",
        reason: "`username` cannot contain `:` or control characters: HTTP basic auth splits on the first `:`",
      },
    ]);
    expect(sim.requests.length).toBe(before);
  });

  it("checks and diffs unknown preview inputs without any Forge request", async () => {
    const olds = { ...inputs, ruleId: 1, password: "p", passwordGenerated: true };

    await expectPreviewWithoutForge(fixture, "1", olds, withInputs({ password: UNKNOWN, siteId: UNKNOWN }), {
      diff: replacing(["siteId"], "delete-first"),
    });
  });

  describe("lifecycle of one rule", () => {
    let id: string;
    let outs: Record<string, unknown>;
    let generated: string;

    it("creates a whole-site rule with a generated password and waits until it is installed", async () => {
      const from = sim.requests.length;

      ({ id, outs } = await host.create(urn, inputs));
      generated = outs.password as string;
      passwordsSeen.push(generated);

      const [rule] = rulesOf(siteId);
      expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(rule).toMatchObject({
        id: Number(id),
        name: OWN_NAME,
        path: null,
        status: "installed",
        credentials: [{ username: "preview", passwordSha256: sha256(generated) }],
      });
      expect(outs).toStrictEqual({
        serverId: 1,
        siteId,
        name: OWN_NAME,
        username: "preview",
        ruleId: Number(id),
        password: generated,
        passwordGenerated: true,
        __provider: registration.providerText,
      });
      expect(ruleRequests(siteId, from)).toStrictEqual(["GET / 200", "POST / 202", `GET /${id} 200`]);
    });

    it("reports no change when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("asks for delete-before-replace when the site changes", async () => {
      expect(await host.diff(urn, id, outs, withInputs({ siteId: siteId + 1 }))).toStrictEqual(
        replacing(["siteId"], "delete-first"),
      );
    });

    it("updates the username in place, keeping the generated password", async () => {
      const changed = withInputs({ username: "reviewer" });
      expect(await host.diff(urn, id, outs, changed)).toStrictEqual(IN_PLACE);
      const from = sim.requests.length;

      ({ outs } = await host.update(urn, id, outs, changed));

      expect(outs).toMatchObject({
        username: "reviewer",
        password: generated,
        passwordGenerated: true,
        ruleId: Number(id),
      });
      expect(rulesOf(siteId)).toMatchObject([
        {
          id: Number(id),
          status: "installed",
          credentials: [{ username: "reviewer", passwordSha256: sha256(generated) }],
        },
      ]);
      expect(ruleRequests(siteId, from)).toStrictEqual([`PUT /${id} 202`, `GET /${id} 200`]);
    });

    it("switches to a shared password from config in place", async () => {
      ({ outs } = await host.update(urn, id, outs, withInputs({ username: "reviewer", password: SHARED_PASSWORD })));

      expect(outs).toMatchObject({ password: SHARED_PASSWORD, passwordGenerated: false });
      expect(rulesOf(siteId)[0].credentials).toStrictEqual([
        { username: "reviewer", passwordSha256: sha256(SHARED_PASSWORD) },
      ]);
    });

    it("reads a rename done by hand into the state, so the diff shows it and an update restores the name", async () => {
      const current = withInputs({ username: "reviewer", password: SHARED_PASSWORD });
      await renameRule(siteId, Number(id), "renamed by hand", "reviewer");

      const read = await host.read(urn, id, outs);
      expect(read).toMatchObject({ id, props: { name: "renamed by hand", ruleId: Number(id) } });
      expect(await host.diff(urn, id, read.props, current)).toMatchObject({ changes: "some", replaces: [] });
      ({ outs } = await host.update(urn, id, read.props, current));

      expect(rulesOf(siteId)).toMatchObject([{ id: Number(id), name: OWN_NAME, status: "installed" }]);
    });

    it("deletes the rule and waits until Forge answers 404", async () => {
      const from = sim.requests.length;

      await host.delete(urn, id, outs);

      expect(rulesOf(siteId)).toStrictEqual([]);
      expect(ruleRequests(siteId, from)).toStrictEqual([`GET /${id} 200`, `DELETE /${id} 202`, `GET /${id} 404`]);
    });

    it("drops the rule from state on read once it is gone", async () => {
      expect((await host.read(urn, id, outs)).id).toBe("");
    });

    it("treats deleting an already-deleted rule as done", async () => {
      const from = sim.requests.length;

      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();

      expect(ruleRequests(siteId, from)).toStrictEqual([`GET /${id} 404`]);
    });
  });

  it("adopts a rule carrying its name, updating its credentials and making it cover the whole site", async () => {
    const site = Number(await createSite(sim, "pr-8.preview.test"));
    const existing = await addRule(site, OWN_NAME, "/admin");
    const from = sim.requests.length;

    const { id, outs } = await host.create(urn, withInputs({ siteId: site, password: SHARED_PASSWORD }));

    expect(id).toBe(String(existing));
    expect(outs).toMatchObject({ ruleId: existing, password: SHARED_PASSWORD, passwordGenerated: false });
    expect(rulesOf(site)).toMatchObject([
      {
        id: existing,
        name: OWN_NAME,
        path: null,
        status: "installed",
        credentials: [{ username: "preview", passwordSha256: sha256(SHARED_PASSWORD) }],
      },
    ]);
    expect(ruleRequests(site, from)).toStrictEqual(["GET / 200", `PUT /${existing} 202`, `GET /${existing} 200`]);
  });

  it("creates its rule next to someone else's rule that protects only a path, leaving that one alone", async () => {
    const site = Number(await createSite(sim, "pr-9.preview.test"));
    const foreign = await addRule(site, "Nova admins", "/nova");

    const { id } = await host.create(urn, withInputs({ siteId: site }));

    expect(rulesOf(site).map(({ id: ruleId, name, path }) => ({ ruleId, name, path }))).toStrictEqual([
      { ruleId: foreign, name: "Nova admins", path: "/nova" },
      { ruleId: Number(id), name: OWN_NAME, path: null },
    ]);
  });

  it("refuses a site already covered by someone else's whole-site rule, touching nothing", async () => {
    const site = Number(await createSite(sim, "pr-10.preview.test"));
    const foreign = await addRule(site, "Staff only", null);
    const before = rulesOf(site);
    const from = sim.requests.length;

    const error = await failureOf(host.create(urn, withInputs({ siteId: site })));

    expect(error.details).toContain(
      `site ${site} on server 1 already has a whole-site security rule "Staff only" (id ${foreign}) that this stack did not create`,
    );
    expect(error.initFailure).toBeUndefined();
    expect(rulesOf(site)).toStrictEqual(before);
    expect(ruleRequests(site, from)).toStrictEqual(["GET / 200"]);
  });

  it("refuses to delete a rule renamed by hand, which it no longer treats as its own", async () => {
    const site = Number(await createSite(sim, "pr-11.preview.test"));
    const { id, outs } = await host.create(urn, withInputs({ siteId: site }));
    passwordsSeen.push(outs.password as string);
    await renameRule(site, Number(id), "Somebody else's now", "preview");

    const error = await failureOf(host.delete(urn, id, outs));

    expect(error.details).toContain(
      `security rule ${id} on site ${site} (server 1) is now named "Somebody else's now", not "forge-previews"`,
    );
    expect(rulesOf(site)).toMatchObject([{ id: Number(id), name: "Somebody else's now" }]);
  });

  it("keeps the id of a rule whose install failed, so a later delete removes it", async () => {
    const site = Number(await createSite(sim, "pr-12.preview.test"));
    const route = "/orgs/{organization}/servers/{server}/sites/{site}/security-rules";

    const { error, id, state } = await createFailingAsync(
      fixture,
      route,
      withInputs({ siteId: site, password: SHARED_PASSWORD }),
    );

    const [rule] = rulesOf(site);
    expect(rule).toMatchObject({ id: Number(id), status: "failed" });
    expect(state).toMatchObject({ ruleId: rule.id, siteId: site, name: OWN_NAME });
    expect(error.details).toContain(`security rule ${rule.id} on site ${site} (server 1) ended \`failed\``);
    expect(error.details).not.toContain(SHARED_PASSWORD);

    await host.delete(urn, id, state);
    expect(rulesOf(site)).toStrictEqual([]);
  });

  it("refuses to create on a site that does not exist", async () => {
    const error = await failureOf(host.create(urn, withInputs({ siteId: 999_999 })));

    expect(error.details).toContain("site 999999 on server 1 does not exist, so basic auth cannot be put on it");
    expect(error.initFailure).toBeUndefined();
  });

  it("never writes a password to the host log or the simulator's request log", async () => {
    await host.waitForLog(/basic-auth: installed security rule \d+ on site \d+ \(server 1\) named "forge-previews"/);

    for (const password of passwordsSeen) {
      expect(host.logs()).not.toContain(password);
      expect(JSON.stringify(sim.requests)).not.toContain(password);
    }
  });

  it("polls a rule through installing and removing when Forge takes its time", async () => {
    const slow = await startForgeSimulator({ profile: "realistic", timeScale: 0.2 });
    const slowHost = await startForgeHost(slow);
    try {
      const site = Number(
        (await call(slow, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name: "pr-13.preview.test" })).json.data
          .id,
      );
      const rulePath = (ruleId: string): string => `${rulesPath(site)}/${ruleId}`;

      const { id, outs } = await slowHost.create(urn, withInputs({ siteId: site }));
      const installPolls = slow.requests.filter((r) => r.method === "GET" && r.path === rulePath(id)).length;
      expect(slow.state().securityRules).toMatchObject([{ id: Number(id), status: "installed" }]);
      await slowHost.delete(urn, id, outs);

      expect(installPolls).toBeGreaterThan(1);
      expect(slow.state().securityRules).toStrictEqual([]);
      const afterDelete = slow.requests
        .filter((r) => r.path === rulePath(id))
        .map((r) => `${r.method} ${r.status}`)
        .slice(installPolls);
      expect(afterDelete[0]).toBe("GET 200");
      expect(afterDelete[1]).toBe("DELETE 202");
      expect(afterDelete.slice(2, -1).every((entry) => entry === "GET 200")).toBe(true);
      expect(afterDelete.length).toBeGreaterThan(3);
      expect(afterDelete.at(-1)).toBe("GET 404");
    } finally {
      await slowHost.close();
      await slow.close();
    }
  }, 60_000);
});
