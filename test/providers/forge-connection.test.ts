import { inspect } from "node:util";
import { useStackConfig } from "../../providers/provider-kit";
import { forgeClientFromStackConfig } from "../../providers/forge-connection";
import { startSimulator, type Simulator } from "../../simulator";

describe("forgeClientFromStackConfig", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ token: "forge-token-from-config", org: "acme", openapiPath: null });
  });
  afterAll(async () => {
    useStackConfig(undefined);
    await sim.close();
  });

  it("reads the URL, org and token from the stack config at call time", async () => {
    const values = new Map<string, string>([
      ["forge-previews:forgeApiUrl", sim.url],
      ["forge-previews:forgeOrg", "acme"],
      ["forge-previews:forgeToken", "wrong-token"],
    ]);
    useStackConfig({ get: (key) => values.get(key) });
    const client = forgeClientFromStackConfig();
    await expect(client.servers.get(1)).rejects.toThrow("401");
    values.set("forge-previews:forgeToken", "forge-token-from-config");
    await expect(client.servers.get(1)).resolves.toMatchObject({ id: 1 });
    expect(inspect(client, { depth: 8 })).not.toContain("forge-token-from-config");
  });

  it("names the missing key and the command that sets it", () => {
    useStackConfig({ get: (key) => (key === "forge-previews:forgeOrg" ? "acme" : undefined) });
    expect(() => forgeClientFromStackConfig()).toThrow("Stack config `forge-previews:forgeToken` is not set; set it with `pulumi config set --secret forgeToken`.");
  });
});
