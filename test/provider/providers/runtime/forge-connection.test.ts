import { inspect } from "node:util";
import { useStackConfig } from "../../../../providers/runtime";
import { forgeClientFromStackConfig, pollPacing } from "../../../../providers/runtime/forge-connection";
import { startSimulator, type Simulator } from "../../../../tools/simulator";

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
    expect(() => forgeClientFromStackConfig()).toThrow(
      "Stack config `forge-previews:forgeToken` is not set; set it with `pulumi config set --secret forgeToken`.",
    );
  });
});

describe("pollPacing", () => {
  const saved = process.env.FORGE_PREVIEWS_POLL_MS;
  afterEach(() => {
    if (saved === undefined) delete process.env.FORGE_PREVIEWS_POLL_MS;
    else process.env.FORGE_PREVIEWS_POLL_MS = saved;
  });

  it("starts at 2 s and backs off to 10 s by default", () => {
    delete process.env.FORGE_PREVIEWS_POLL_MS;
    expect(pollPacing()).toStrictEqual({ intervalMs: 2000, maxIntervalMs: 10000, backoff: 1.5 });
  });

  it("takes a shorter first pause from FORGE_PREVIEWS_POLL_MS and ignores nonsense", () => {
    process.env.FORGE_PREVIEWS_POLL_MS = "20";
    expect(pollPacing().intervalMs).toBe(20);
    process.env.FORGE_PREVIEWS_POLL_MS = "-5";
    expect(pollPacing().intervalMs).toBe(2000);
  });
});
