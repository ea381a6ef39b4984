// The operations CLI on real preview stacks: the project under the real pulumi engine with a file backend, against the
// embedded default (the Forge simulator, and this run's sshd, MariaDB and Redis standing in for the server).
// One preview is brought up from shared configuration given in the environment, another from configuration already
// on its stack, whose first update fails; both are listed, then destroyed (twice for the first: a no-op success).
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import * as path from "node:path";
import { run as runListCommand } from "../../cli/commands/list";
import * as operations from "../../cli/operations";
import type { CliIo } from "../../cli/output";
import { applyPreviewConfig, resolvePreviewConfig } from "../../cli/pulumi/preview-config";
import { PulumiCli } from "../../cli/pulumi/runner";
import { createStack } from "../../cli/pulumi/stacks";
import { type EmbeddedDefault, toConfigJson } from "../../tools/sandbox/embedded-default";
import { type CliProject, runBin, startCliProject } from "./cli-project";

// Every engine command starts the CLI, the language host, ts-node and the provider host from scratch.
jest.setTimeout(600_000);

const SHA_GOOD = "1111111111111111111111111111111111111111";
const SHA_BROKEN = "2222222222222222222222222222222222222222";

describe("the operations CLI on real preview stacks", () => {
  let cli: CliProject;
  let project: string;
  let embedded: EmbeddedDefault;
  let baseEnv: Record<string, string>;
  let sharedEnv: Record<string, string>;
  let shared: operations.OperationsContext;
  let ownConfig: operations.OperationsContext;
  let pulumi: PulumiCli;
  const progress: string[] = [];
  const failedProgress: string[] = [];
  /** The failing first update of pr-32 runs while pr-31 comes up: the two stacks are independent. */
  let failedUp: Promise<unknown>;
  const secrets: string[] = [];

  beforeAll(async () => {
    cli = await startCliProject("cli-engine");
    ({ project, embedded, baseEnv, env: sharedEnv } = cli);
    secrets.push(...cli.secrets);
    shared = await operations.createOperationsContext({
      cwd: project,
      env: sharedEnv,
      onProgress: (line) => progress.push(line),
    });
    ownConfig = await operations.createOperationsContext({
      cwd: project,
      env: baseEnv,
      onProgress: (line) => failedProgress.push(line),
    });
    pulumi = new PulumiCli({ cwd: project, binDir: cli.binDir, env: baseEnv });

    // pr-32 is configured by hand, as an operator would, with a server id Forge does not know.
    await pulumi.runChecked(["stack", "init", "pr-32"], "");
    const config = toConfigJson("forge-previews", { ...embedded.stackConfig, forgeServerId: { value: "99" } });
    const set = await pulumi.run(["config", "set-all", "--stack", "pr-32", "--json", config]);
    if (set.exitCode !== 0) throw new Error(`config set-all of pr-32 failed: ${set.stderr.slice(-1000)}`);
    failedUp = operations.upPreview({ app: null, pr: 32, branch: "feature/broken", sha: SHA_BROKEN }, ownConfig).then(
      () => null,
      (error: unknown) => error,
    );
  });

  afterAll(async () => {
    await failedUp;
    await cli?.dispose();
  });

  async function stackNames(): Promise<string[]> {
    return (JSON.parse((await pulumi.runChecked(["stack", "ls", "--json"], "")).stdout) as Array<{ name: string }>)
      .map((s) => s.name)
      .sort();
  }

  it("brings a new preview up from the shared configuration, one progress line per step, secrets kept out", async () => {
    progress.length = 0;
    const result = await operations.upPreview(
      { app: null, pr: 31, branch: "feature/cli", sha: SHA_GOOD, redeploy: true },
      shared,
    );

    expect(result.stack).toBe("pr-31");
    expect(result.outputs).toMatchObject({
      url: "https://pr-31.sandbox.test",
      app: "demo",
      pr: 31,
      branch: "feature/cli",
      commit: SHA_GOOD,
      basicAuthPassword: "[secret]",
      databasePassword: "[secret]",
    });
    expect(result.changes.create).toBeGreaterThanOrEqual(9);
    expect(result.timings.map((t) => t.phase)).toEqual(
      expect.arrayContaining([
        "validate",
        "prepare stack",
        "create forge:Site pr-31-site",
        "pulumi up",
        "read outputs",
      ]),
    );
    expect(progress).toContainEqual(
      expect.stringMatching(/^ +(\d+\.\d|\d+m\d\d)s {2}created {3}forge:Site pr-31-site \((\d+\.\d|\d+m\d\d)s\)$/),
    );
    expect(progress).toContainEqual(expect.stringMatching(/created {3}forge:Deployment pr-31-deployment/));
    expect(embedded.simulator.state().sites.map((s) => s.name)).toContain("pr-31.sandbox.test");

    const tags = JSON.parse(
      (await pulumi.runChecked(["stack", "tag", "ls", "--json", "--stack", "pr-31"], "")).stdout,
    ) as Record<string, string>;
    expect(tags).toMatchObject({
      "forge-previews:app": "demo",
      "forge-previews:pr": "31",
      "forge-previews:branch": "feature/cli",
    });
    expect(Date.parse(tags["forge-previews:created-at"] ?? "")).not.toBeNaN();

    const password = (
      await pulumi.runChecked(["stack", "output", "basicAuthPassword", "--show-secrets", "--stack", "pr-31"], "")
    ).stdout.trim();
    const printed = progress.join("\n") + JSON.stringify(result);
    for (const secret of [...secrets, password]) expect(printed).not.toContain(secret);
  });

  it("keeps the redeploy token on a machine without the stack file, so the same commit is not deployed again", async () => {
    await rm(path.join(project, "Pulumi.pr-31.yaml"));
    const deploymentsBefore = embedded.simulator.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/deployments"),
    ).length;

    const result = await operations.upPreview({ app: null, pr: 31, branch: "feature/cli", sha: SHA_GOOD }, shared);

    expect(Object.keys(result.changes)).toEqual(["same"]);
    expect(
      embedded.simulator.requests.filter((r) => r.method === "POST" && r.path.endsWith("/deployments")).length,
    ).toBe(deploymentsBefore);
  });

  it("records a failed first update of a stack configured by hand: its preflight refuses the unknown server", async () => {
    await pulumi.runChecked(["stack", "init", "scratch"], "");
    const failure = await failedUp;

    expect(failure).toBeInstanceOf(operations.PreviewOperationError);
    const error = failure as operations.PreviewOperationError;
    expect(error.stackName).toBe("pr-32");
    expect(error.failedSteps).toContainEqual({ op: "create", type: "forge:Preflight", name: "pr-32-preflight" });
    expect(error.errors.join("\n")).toMatch(/server 99/);
    expect(error.message).toMatch(/^`pulumi up` of stack pr-32 failed after /);
    expect(error.message).toMatch(/Fix the cause above, then run the same `up` again/);
    expect(failedProgress).toContainEqual(expect.stringMatching(/FAILED {4}create forge:Preflight pr-32-preflight/));
    // The preflight fails before any write, so the server Forge does not know was never asked to create anything.
    expect(embedded.simulator.requests.filter((r) => r.method !== "GET" && r.path.includes("/servers/99/"))).toEqual(
      [],
    );
    expect((await pulumi.runChecked(["config", "get", "branch", "--stack", "pr-32"], "")).stdout.trim()).toBe(
      "feature/broken",
    );
  });

  it("copies the configuration of the stack named in FORGE_PREVIEWS_CONFIG_STACK to a new preview stack", async () => {
    const env = { ...baseEnv, FORGE_PREVIEWS_CONFIG_STACK: "pr-32" };
    const existing = new Set(await stackNames());
    const resolved = await resolvePreviewConfig(pulumi, env, { app: "demo", pr: 33 }, existing);
    expect(resolved.names.stack).toBe("pr-33");
    expect(resolved.config.forge.serverId).toBe(99);

    await createStack(pulumi, "pr-33", null);
    await applyPreviewConfig(pulumi, {
      projectDir: project,
      env,
      stack: "pr-33",
      source: resolved.source,
      perStack: { branch: "feature/copied" },
    });
    const get = async (key: string): Promise<string> =>
      (await pulumi.runChecked(["config", "get", key, "--stack", "pr-33"], "")).stdout.trim();

    expect(await get("forgeServerId")).toBe("99");
    expect(await get("forgeToken")).toBe(embedded.stackConfig.forgeToken?.value);
    expect(await get("branch")).toBe("feature/copied");
    await pulumi.runChecked(["stack", "rm", "pr-33", "--yes"], "");
  });

  it("lists the previews, failed ones included, as JSON through the command and as a table", async () => {
    const json = await runBin(["list", "--json"], project, sharedEnv);
    expect(json.code).toBe(0);
    const previews = JSON.parse(json.stdout) as Array<Record<string, unknown>>;

    expect(previews.map((p) => p.stack)).toEqual(["pr-31", "pr-32"]);
    expect(previews[0]).toMatchObject({
      app: "demo",
      pr: 31,
      branch: "feature/cli",
      url: "https://pr-31.sandbox.test",
      status: "ok",
      ageDays: 0,
      commit: SHA_GOOD,
    });
    expect(previews[0]?.resourceCount).toEqual(expect.any(Number));
    expect(Date.parse(String(previews[0]?.lastUpdate))).not.toBeNaN();
    expect(previews[1]).toMatchObject({
      app: "demo",
      pr: 32,
      branch: "feature/broken",
      url: null,
      status: "failed",
      commit: null,
    });

    const stdout: string[] = [];
    const io: CliIo = { out: (t) => stdout.push(t), err: () => undefined, env: sharedEnv, cwd: project };
    expect(await runListCommand([], io)).toBe(0);
    const lines = stdout.join("\n").split("\n");
    expect(lines[0]).toMatch(/^STACK +APP +PR +BRANCH +STATUS +AGE +LAST UPDATE \(UTC\) +RESOURCES +URL$/);
    expect(lines[1]).toMatch(
      /^pr-31 +demo +31 +feature\/cli +ok +<1d +\d{4}-\d\d-\d\d \d\d:\d\d \(\d+m ago\) +\d+ +https:\/\/pr-31\.sandbox\.test$/,
    );
    expect(lines[2]).toMatch(/^pr-32 +demo +32 +feature\/broken +failed +<1d .* -$/);
    expect(lines[3]).toBe("2 previews, 1 failed.");
  });

  it("destroys a preview and removes its stack; destroying it again is a success that does nothing", async () => {
    progress.length = 0;
    const first = await operations.destroyPreview({ app: null, pr: 31 }, shared);

    expect(first).toMatchObject({ stack: "pr-31", existed: true });
    expect(first.changes.delete).toBeGreaterThanOrEqual(9);
    expect(progress).toContainEqual(expect.stringMatching(/deleted {3}forge:Site pr-31-site/));
    expect(await stackNames()).toEqual(["pr-32", "scratch"]);
    expect(existsSync(path.join(project, "Pulumi.pr-31.yaml"))).toBe(false);
    expect(embedded.simulator.state().sites.map((s) => s.name)).not.toContain("pr-31.sandbox.test");

    progress.length = 0;
    const second = await operations.destroyPreview({ app: null, pr: 31 }, shared);
    expect(second).toEqual({
      stack: "pr-31",
      existed: false,
      timings: [expect.objectContaining({ phase: "find stack" })],
      changes: {},
    });
    expect(progress).toEqual([]);
  });

  it("destroys the failed preview by app and PR through the command, finding pr-<n> by its tags", async () => {
    const run = await runBin(["destroy", "--app", "demo", "--pr", "32"], project, baseEnv);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Preview pr-32 destroyed \(\d+ delete\) and its stack removed\.$/m);
    expect(run.stderr).toMatch(/FAILED|deleted/);
    expect(await stackNames()).toEqual(["scratch"]);
  });
});
