import { createHash } from "crypto";
import { ForgeNotFoundError, type ForgeClient } from "../../../../providers/forge";
import { ORG, SERVER_ID, resetHarness, startHarness, type Harness } from "../../../support/forge-simulator";

let h: Harness;
let forge: ForgeClient;
let siteId: number;
let sitePath: string;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});
beforeEach(async () => {
  resetHarness(h);
  forge = h.client();
  siteId = (await forge.sites.create(SERVER_ID, { type: "laravel", name: "pr-61.example.dev" })).id;
  sitePath = `/orgs/${ORG}/servers/1/sites/${siteId}`;
  h.sim.clearRequests();
});

describe("security rules (basic auth)", () => {
  it("protects the whole site when no path is given", async () => {
    const rule = await forge.securityRules.create(SERVER_ID, siteId, {
      name: "Preview login",
      credentials: [{ username: "preview", password: "basic-pw-81f2" }],
    });
    expect(rule).toMatchObject({ name: "Preview login", path: null });
    expect(h.sim.requests[0]).toMatchObject({ method: "POST", path: `${sitePath}/security-rules`, status: 202, bodyKeys: ["name", "credentials"] });
    expect(h.sim.state().securityRules).toMatchObject([
      { id: rule.id, siteId, path: null, credentials: [{ username: "preview", passwordSha256: sha256("basic-pw-81f2") }] },
    ]);
    await expect(forge.securityRules.get(SERVER_ID, siteId, rule.id)).resolves.toMatchObject({ id: rule.id, status: "installed" });
    expect(h.logs.join("\n")).not.toContain("basic-pw-81f2");
  });

  it("updates the credentials, lists the rules and deletes one", async () => {
    const rule = await forge.securityRules.create(SERVER_ID, siteId, { name: "Login", credentials: [{ username: "a", password: "first-pw-1" }] });
    h.sim.clearRequests();
    await forge.securityRules.update(SERVER_ID, siteId, rule.id, { name: "Login", credentials: [{ username: "b", password: "second-pw-2" }] });
    expect(h.sim.requests[0]).toMatchObject({
      method: "PUT",
      path: `${sitePath}/security-rules/${rule.id}`,
      status: 202,
      bodyKeys: ["name", "credentials"],
    });
    expect(h.sim.state().securityRules[0]!.credentials).toStrictEqual([{ username: "b", passwordSha256: sha256("second-pw-2") }]);
    await expect(forge.securityRules.list(SERVER_ID, siteId).all()).resolves.toMatchObject([{ id: rule.id, name: "Login" }]);
    await forge.securityRules.delete(SERVER_ID, siteId, rule.id);
    expect(h.calls().slice(1)).toStrictEqual([`GET ${sitePath}/security-rules`, `DELETE ${sitePath}/security-rules/${rule.id}`]);
    await expect(forge.securityRules.get(SERVER_ID, siteId, rule.id)).rejects.toBeInstanceOf(ForgeNotFoundError);
  });
});
