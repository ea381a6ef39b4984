// Three CI runners sharing one Forge token: three `up`s of different PRs, each its own `pulumi` process (and so its
// own provider host and Forge client), started at once against one simulator in the hostile profile, whose 429s carry
// no `Retry-After`. No process sees the others' requests; each paces itself by Forge's `X-RateLimit-*` count.
import { SANDBOX_APP, SANDBOX_DOMAIN } from "../../tools/sandbox/embedded-default";
import { buildPreviewNames } from "../../stacks/naming";
import { type PreviewEngine, managedResources, startPreviewEngine, stateMismatches } from "./preview-workspace";

jest.setTimeout(480_000);

const STACKS = ["pr-301", "pr-302", "pr-303"];
/** The token's budget, scaled down with the window so that three runs really contend for it (Forge: 60 a minute). */
const LIMIT = 12;
const WINDOW_MS = 3000;

describe("three `up`s of different PRs at once, sharing one token", () => {
  let engine: PreviewEngine;
  const savedLimit = process.env.FORGE_PREVIEWS_RATE_LIMIT;

  beforeAll(async () => {
    // Each process's own limiter allows far more than the token's budget, as three runners together do.
    process.env.FORGE_PREVIEWS_RATE_LIMIT = "100000";
    engine = await startPreviewEngine({
      simulator: { profile: "hostile", timeScale: 0.02, rateLimitPerMinute: LIMIT, rateLimitWindowMs: WINDOW_MS },
    });
    for (const stack of STACKS) {
      await engine.initStack(stack, { redisSlotRange: { value: "10-12" }, maxEnvironments: { value: "3" } });
    }
  });

  afterAll(async () => {
    if (savedLimit === undefined) delete process.env.FORGE_PREVIEWS_RATE_LIMIT;
    else process.env.FORGE_PREVIEWS_RATE_LIMIT = savedLimit;
    await engine?.dispose();
  });

  it("all finish, with the token's count spent at most a few times past its end", async () => {
    const settled = await Promise.allSettled(STACKS.map((stack) => engine.workspace.up(stack)));

    expect(settled.map((outcome) => (outcome.status === "rejected" ? String(outcome.reason) : "ok"))).toStrictEqual(
      STACKS.map(() => "ok"),
    );
    const state = engine.sim.state();
    for (const stack of STACKS) {
      const exported = await engine.workspace.stackExport(stack);
      expect(managedResources(exported).length).toBeGreaterThan(0);
      expect(stateMismatches(exported, state)).toStrictEqual([]);
      const names = buildPreviewNames({
        app: SANDBOX_APP,
        pr: Number(stack.slice(3)),
        isDefaultApp: true,
        previewDomain: SANDBOX_DOMAIN,
      });
      expect(state.sites.filter((site) => site.name === names.domain)).toMatchObject([{ status: "installed" }]);
    }
    const answered = engine.sim.requests.filter((request) => request.status !== 0);
    const refused = answered.filter((request) => request.status === 429);
    // Together the runs need many windows' budget, so the token's count was really contended.
    expect(answered.length).toBeGreaterThan(5 * LIMIT);
    const first = Math.min(...answered.map((request) => request.at));
    const last = Math.max(...answered.map((request) => request.at));
    // Pacing by the shared count keeps refusals to the odd request in flight when a window runs out (9 in 11 seen);
    // Without it each window's reset starts a race of all three (on main: 23 refusals in 12 windows).
    expect(refused.length).toBeLessThanOrEqual(Math.ceil((1.5 * (last - first)) / WINDOW_MS));
  });
});
