// `POST sites` carried out by Forge but answered after the client's timeout, under the real pulumi engine and the
// operations CLI: `up` keeps the site it finds by its owner tag, and when even that look-up fails, `destroy` finds the
// site by its tag afterwards. Either way nothing of the preview is left on the simulator, in MariaDB or in Redis.
import type { Connection } from "mysql2/promise";
import { createClient } from "redis";
import * as operations from "../../cli/operations";
import type { EmbeddedDefault } from "../../tools/sandbox/embedded-default";
import { connectOverTcp, testServices } from "../support/services";
import { type CliProject, startCliProject } from "./cli-project";

jest.setTimeout(600_000);

const SHA = "3333333333333333333333333333333333333333";
const SITES_ROUTE = "/orgs/{organization}/servers/{server}/sites";
/** The providers' Forge client gives up after this long, so a held answer costs seconds, not the default 30. */
const CLIENT_TIMEOUT_MS = "3000";

describe("a site created while the client timed out, through up and destroy", () => {
  let cli: CliProject;
  let embedded: EmbeddedDefault;
  let ctx: operations.OperationsContext;
  let root: Connection;
  const progress: string[] = [];

  beforeAll(async () => {
    cli = await startCliProject("lost-create", { extraEnv: { FORGE_TIMEOUT_MS: CLIENT_TIMEOUT_MS } });
    embedded = cli.embedded;
    ctx = await operations.createOperationsContext({
      cwd: cli.project,
      env: cli.env,
      onProgress: (line) => progress.push(line),
    });
    root = await connectOverTcp();
  });

  afterAll(async () => {
    await root?.end();
    await cli?.dispose();
  });

  /** Everything of PR `pr` that could outlive its stack: Forge objects, MariaDB schema and user, the Redis claim. */
  async function remainsOf(pr: number): Promise<Record<string, unknown[]>> {
    const state = embedded.simulator.state();
    const [schemas] = await root.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
      `demo_pr_${pr}`,
    ]);
    const [users] = await root.query("SELECT User FROM mysql.user WHERE User = ?", [`demo_pr${pr}`]);
    const { redis } = testServices();
    const client = createClient({ socket: { host: redis.host, port: redis.port }, password: redis.password });
    await client.connect();
    const claims = Object.values(await client.hGetAll("forge-previews:slots")).filter(
      (claim) => JSON.parse(claim).stack === `pr-${pr}`,
    );
    await client.quit();
    return {
      sites: state.sites.filter((site) => site.name === `pr-${pr}.sandbox.test`),
      forgeDatabases: state.databases.filter((database) => database.name === `demo_pr_${pr}`),
      forgeUsers: state.databaseUsers.filter((user) => user.name === `demo_pr${pr}`),
      processes: state.backgroundProcesses.filter((process) =>
        process.command.includes(`--name=forge-previews-pr-${pr}-worker`),
      ),
      schemas: schemas as unknown[],
      users: users as unknown[],
      claims,
    };
  }

  const NOTHING = { sites: [], forgeDatabases: [], forgeUsers: [], processes: [], schemas: [], users: [], claims: [] };

  it("keeps the site in the state when `up` finds it by its tag, so `destroy` leaves nothing", async () => {
    embedded.simulator.inject({ method: "POST", path: SITES_ROUTE, lostAnswer: "timeout" });

    const up = await operations.upPreview({ app: null, pr: 51, branch: "feature/lost", sha: SHA }, ctx);

    const sites = embedded.simulator.state().sites.filter((site) => site.name === "pr-51.sandbox.test");
    expect(sites.map((site) => site.id)).toStrictEqual([up.outputs.siteId]);
    expect(
      embedded.simulator.requests
        .filter((r) => r.method === "POST" && r.route === SITES_ROUTE)
        .map((r) => r.lostAnswer),
    ).toContain("timeout");

    const destroyed = await operations.destroyPreview({ app: null, pr: 51 }, ctx);

    expect(destroyed.existed).toBe(true);
    expect(await remainsOf(51)).toStrictEqual(NOTHING);
  });

  it("removes, and names, the site `up` could not find again once `destroy` has run", async () => {
    const sim = embedded.simulator;
    sim.inject({ method: "POST", path: SITES_ROUTE, lostAnswer: "timeout" });
    const started = Date.now();
    // Once the create is carried out (its answer held back), the look-up that follows is refused too.
    const refuseLookup = (async () => {
      const deadline = Date.now() + 300_000;
      while (
        !sim.requests.some(
          (r) => r.method === "POST" && r.route === SITES_ROUTE && r.lostAnswer === "timeout" && r.at > started,
        )
      ) {
        if (Date.now() > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      sim.inject({ method: "GET", path: SITES_ROUTE, status: 403 });
    })();

    const failure = await operations.upPreview({ app: null, pr: 52, branch: "feature/lost", sha: SHA }, ctx).then(
      () => null,
      (error: unknown) => error,
    );
    await refuseLookup;

    expect(failure).toBeInstanceOf(operations.PreviewOperationError);
    expect((failure as operations.PreviewOperationError).errors.join("\n")).toMatch(
      /timed out after 3000 ms\. Forge may have created site `pr-52\.sandbox\.test`/,
    );
    expect(sim.state().sites.filter((site) => site.name === "pr-52.sandbox.test")).toHaveLength(1);

    progress.length = 0;
    const destroyed = await operations.destroyPreview({ app: null, pr: 52 }, ctx);

    expect(destroyed.existed).toBe(true);
    expect(progress).toContainEqual(
      expect.stringMatching(
        /^removed leftover Forge site \d+ \(pr-52\.sandbox\.test, tagged `forge-previews-demo-pr-52`\)/,
      ),
    );
    expect(await remainsOf(52)).toStrictEqual(NOTHING);
  });
});
