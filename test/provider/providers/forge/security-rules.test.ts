import { createHash } from "crypto";
import { ForgeNotFoundError } from "../../../../providers/forge";
import { SERVER_ID, useHarnessWithSite } from "../../../support/forge-simulator";

const t = useHarnessWithSite({ type: "laravel", name: "pr-61.example.dev" });
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("security rules (basic auth)", () => {
  it("protects the whole site when no path is given", async () => {
    const rule = await t.forge.securityRules.create(SERVER_ID, t.siteId, {
      name: "Preview login",
      credentials: [{ username: "preview", password: "basic-pw-81f2" }],
    });
    expect(rule).toMatchObject({ name: "Preview login", path: null });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${t.sitePath}/security-rules`,
      status: 202,
      bodyKeys: ["name", "credentials"],
    });
    expect(t.h.sim.state().securityRules).toMatchObject([
      {
        id: rule.id,
        siteId: t.siteId,
        path: null,
        credentials: [{ username: "preview", passwordSha256: sha256("basic-pw-81f2") }],
      },
    ]);
    await expect(t.forge.securityRules.get(SERVER_ID, t.siteId, rule.id)).resolves.toMatchObject({
      id: rule.id,
      status: "installed",
    });
    expect(t.h.logs.join("\n")).not.toContain("basic-pw-81f2");
  });

  it("updates the credentials, lists the rules and deletes one", async () => {
    const rule = await t.forge.securityRules.create(SERVER_ID, t.siteId, {
      name: "Login",
      credentials: [{ username: "a", password: "first-pw-1" }],
    });
    t.h.sim.clearRequests();
    await t.forge.securityRules.update(SERVER_ID, t.siteId, rule.id, {
      name: "Login",
      credentials: [{ username: "b", password: "second-pw-2" }],
    });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "PUT",
      path: `${t.sitePath}/security-rules/${rule.id}`,
      status: 202,
      bodyKeys: ["name", "credentials"],
    });
    expect(t.h.sim.state().securityRules[0]!.credentials).toStrictEqual([
      { username: "b", passwordSha256: sha256("second-pw-2") },
    ]);
    await expect(t.forge.securityRules.list(SERVER_ID, t.siteId).all()).resolves.toMatchObject([
      { id: rule.id, name: "Login" },
    ]);
    await t.forge.securityRules.delete(SERVER_ID, t.siteId, rule.id);
    expect(t.h.calls().slice(1)).toStrictEqual([
      `GET ${t.sitePath}/security-rules`,
      `DELETE ${t.sitePath}/security-rules/${rule.id}`,
    ]);
    await expect(t.forge.securityRules.get(SERVER_ID, t.siteId, rule.id)).rejects.toBeInstanceOf(ForgeNotFoundError);
  });
});
