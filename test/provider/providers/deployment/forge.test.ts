import type { DeploymentInputs } from "../../../../providers/deployment";
import { deployAndWait, ensureDeploymentScript, secretsOf } from "../../../../providers/deployment/forge";
import { redactedError } from "../../../../providers/common/redact";
import { ForgeClient, ForgeValidationError, SlidingWindowRateLimiter } from "../../../../providers/forge";
import { UserError } from "../../../../providers/common/user-error";
import { startSimulator, type Simulator } from "../../../../tools/simulator";
import { DEPLOYMENT_INPUTS } from "../../../support/samples";

const TOKEN = "forge-token-run-8e21";
const ORG = "acme";

describe("deployment steps against the simulator", () => {
  let sim: Simulator;
  let forge: ForgeClient;
  let inputs: DeploymentInputs;
  const previousPollMs = process.env.FORGE_PREVIEWS_POLL_MS;

  beforeAll(async () => {
    process.env.FORGE_PREVIEWS_POLL_MS = "10";
    sim = await startSimulator({
      token: TOKEN,
      org: ORG,
      profile: "realistic",
      timeScale: 1,
      rateLimitPerMinute: 0,
      log: () => undefined,
    });
    forge = new ForgeClient({
      token: TOKEN,
      org: ORG,
      baseUrl: sim.url,
      limiter: new SlidingWindowRateLimiter({ limit: 10_000 }),
    });
  });
  afterAll(async () => {
    if (previousPollMs === undefined) delete process.env.FORGE_PREVIEWS_POLL_MS;
    else process.env.FORGE_PREVIEWS_POLL_MS = previousPollMs;
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    const site = await forge.sites.create(1, {
      type: "laravel",
      name: "pr-60.example.dev",
      zeroDowntimeDeployments: false,
    });
    inputs = {
      ...DEPLOYMENT_INPUTS,
      siteId: site.id,
      siteDirectory: "/home/forge/pr-60.example.dev",
      redactions: ["run-db-SECRET"],
    };
    sim.clearRequests();
  });

  it("gives up at its deadline, reporting the deployment id and the last status seen", async () => {
    const run = await deployAndWait(forge, inputs, secretsOf(inputs), 150);

    const [deployment] = sim.state().deployments;
    expect(run).toMatchObject({ deploymentId: deployment.id, status: "queued", deployedAt: null });
    expect(run.error?.message).toMatch(
      new RegExp(
        `^Timed out after 0 s waiting for deployment ${deployment.id} of site ${inputs.siteId} to finish \\(last status \`queued\`\\)\\. `,
      ),
    );
    expect(run.error?.message).toContain("the next `up` (`forge-previews up`, or `/update` on the PR) deploys again");
  });

  it("writes the script only when Forge holds a different one, ignoring CRLF line ends", async () => {
    const script = "cd '/home/forge/pr-60.example.dev'\ngit pull origin 'main'\n";

    const first = await ensureDeploymentScript(forge, inputs, script);
    const second = await ensureDeploymentScript(forge, inputs, script);
    await forge.deployments.updateScript(1, inputs.siteId, { content: script.replace(/\n/g, "\r\n") });
    sim.clearRequests();
    const third = await ensureDeploymentScript(forge, inputs, script);

    expect([first, second, third]).toStrictEqual([true, false, false]);
    expect(sim.requests.map((request) => request.method)).toStrictEqual(["GET"]);
  });
});

describe("secretsOf", () => {
  it("keeps the caller's redactions, leaving out empty strings that would redact everything", () => {
    expect(secretsOf({ redactions: ["a-secret", ""] })).toStrictEqual(["a-secret"]);
    expect(secretsOf({ redactions: [] })).toStrictEqual([]);
  });
});

describe("redactedError", () => {
  it("redacts the message, keeps a UserError a UserError, and drops the cause that may hold a response body", () => {
    const forgeError = new ForgeValidationError(
      {
        status: 422,
        method: "PUT",
        path: "/orgs/acme/servers/1/sites/2/deployments/script",
        body: { message: "bad line: echo hunter2" },
        detail: "bad line: echo hunter2",
        retryAfterMs: null,
        operation: null,
      },
      { content: ["bad line: echo hunter2"] },
    );

    const plain = redactedError(forgeError, ["hunter2"]);
    const user = redactedError(new UserError("password hunter2 is wrong"), ["hunter2"]);

    expect(plain).not.toBeInstanceOf(ForgeValidationError);
    expect(plain.message).toBe(
      "`PUT /orgs/acme/servers/1/sites/2/deployments/script` failed with 422: bad line: echo [REDACTED]",
    );
    expect(plain.cause).toBeUndefined();
    expect(user).toBeInstanceOf(UserError);
    expect(user.message).toBe("password [REDACTED] is wrong");
  });
});
