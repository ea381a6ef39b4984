import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  createForgeClient,
  setSharedRateLimiter,
  sharedRateLimiter,
  waitDone,
  waitPending,
  type ForgeError,
  type RateLimiter,
} from "../../../../providers/forge";
import { startSimulator, type Simulator } from "../../../../tools/simulator";

const TOKEN = "env-token-that-must-stay-out-1f3a";

interface Outs {
  server: string;
  sites: string[];
  notFound: string;
  waited: string;
}

interface ServerProvider {
  create(inputs: { serverId: number }): Promise<{ id: string; outs: Outs }>;
}

/**
 * What a dynamic provider does: build the client inside the method, from env, at call time. It touches
 * retries, pagination, the error classes and polling, so each is checked after the serialization trip.
 */
const provider: ServerProvider = {
  async create(inputs) {
    const forge = createForgeClient({ token: () => process.env.FORGE_TOKEN, pageSize: 2, retry: { baseDelayMs: 5 } });
    const server = await forge.servers.get(inputs.serverId);
    const sites = (await forge.sites.list(inputs.serverId).all()).map((site) => site.name);
    const notFound = await forge.sites.get(987654).then(
      () => "found",
      (error: ForgeError) =>
        `${error.name} (${error.kind}, an Error: ${error instanceof Error}, with a stack: ${typeof error.stack}): ${error.message}`,
    );
    let polls = 0;
    const waited = await forge.waitFor(async () => (++polls < 3 ? waitPending("installing") : waitDone(`done after ${polls}`)), {
      what: "x",
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    return { id: String(server.id), outs: { server: server.name, sites, notFound, waited } };
  },
};

/**
 * A dynamic provider is serialized into Pulumi state with everything its methods reach, then loaded from
 * that text in the provider host. The client must survive the trip: no baked-in axios path, no captured
 * credential, and still one rate limiter per process.
 */
describe("ForgeClient inside a serialized Pulumi dynamic provider", () => {
  let sim: Simulator;
  let dir: string;
  let text: string;

  beforeAll(async () => {
    sim = await startSimulator({ token: TOKEN, org: "acme", profile: "instant", log: () => undefined });
    for (const name of ["pr-1.example.dev", "pr-2.example.dev", "pr-3.example.dev"]) {
      await createForgeClient({ token: TOKEN, org: "acme", baseUrl: sim.url }).sites.create(1, { type: "php", name });
    }
    process.env.FORGE_TOKEN = TOKEN;
    text = (await pulumi.runtime.serializeFunction(() => provider, { isFactoryFunction: true })).text;
    // The host resolves packages from the project directory; a node_modules link gives the file the same view.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "forge-serialized-"));
    fs.symlinkSync(path.resolve(__dirname, "../../../../node_modules"), path.join(dir, "node_modules"), "dir");
  }, 60_000);

  afterAll(async () => {
    delete process.env.FORGE_TOKEN;
    delete process.env.FORGE_API_URL;
    delete process.env.FORGE_ORG;
    fs.rmSync(dir, { recursive: true, force: true });
    await sim.close();
  });

  it("keeps require(\"axios\") verbatim and captures no token", () => {
    expect(text).toContain('require("axios")');
    expect(text).not.toMatch(/axios\/dist|axios\.cjs/);
    expect(text).not.toContain(TOKEN);
  });

  it("still works when loaded from the serialized text, sharing the process-wide rate limiter", async () => {
    const file = path.join(dir, "provider.js");
    fs.writeFileSync(file, text);
    process.env.FORGE_API_URL = sim.url;
    process.env.FORGE_ORG = "acme";
    sim.clearRequests();
    sim.inject({ method: "GET", path: "/orgs/acme/servers/1", status: 503 });
    const original = sharedRateLimiter();
    let acquired = 0;
    const counting: RateLimiter = {
      acquire: async () => {
        acquired += 1;
      },
      pauseFor: () => undefined,
    };
    setSharedRateLimiter(counting);
    try {
      // `isFactoryFunction` makes `handler` the factory's result, the provider itself, as Pulumi does.
      const loaded = require(file) as { handler: ServerProvider };
      await expect(loaded.handler.create({ serverId: 1 })).resolves.toStrictEqual({
        id: "1",
        outs: {
          server: "preview-1",
          sites: ["pr-1.example.dev", "pr-2.example.dev", "pr-3.example.dev"],
          notFound: expect.stringMatching(
            /^ForgeNotFoundError \(not-found, an Error: true, with a stack: string\): `GET \/orgs\/acme\/sites\/987654` failed with 404: /,
          ),
          waited: "done after 3",
        },
      });
    } finally {
      setSharedRateLimiter(original);
    }
    expect(sim.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toStrictEqual([
      "GET /orgs/acme/servers/1 503",
      "GET /orgs/acme/servers/1 200",
      "GET /orgs/acme/servers/1/sites 200",
      "GET /orgs/acme/servers/1/sites 200",
      "GET /orgs/acme/sites/987654 404",
    ]);
    expect(acquired).toBe(sim.requests.length);
  });
});
