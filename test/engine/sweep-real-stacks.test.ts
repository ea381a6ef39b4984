/**
 * sweep with the CLI's real operations on a real file:// backend: the stacks are listed by the Pulumi CLI, a dry run
 * leaves every one of them in place, and a real run destroys the closed PR's stack and warns on the idle one. The
 * stacks hold no resources, so no program runs; a refresh gives a stack its last-update time.
 */
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as operations from "../../cli/operations";
import { locatePulumiBinDir } from "../../tools/sandbox/pulumi-cli";
import { type Harness, openPull, startHarness } from "../support/github/harness";

jest.setTimeout(180_000);

const REPO = "acme/customer";
let h: Harness;
let pulumiEnv: Record<string, string>;
let projectDir: string;

function pulumi(args: string[]): string {
  const result = spawnSync(path.join(pulumiEnv.PULUMI_CLI_BIN_DIR, "pulumi"), [...args, "--non-interactive"], {
    cwd: projectDir,
    env: { ...process.env, ...pulumiEnv },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function stackNames(): string[] {
  return (JSON.parse(pulumi(["stack", "ls", "--json"])) as Array<{ name: string }>).map((s) => s.name).sort();
}

const real = () => ({
  ops: operations,
  createOperationsContext: () => operations.createOperationsContext({ cwd: projectDir, env: { ...h.env } }),
});

beforeAll(async () => {
  h = await startHarness();
  projectDir = path.join(h.dir, "project");
  await mkdir(projectDir);
  await mkdir(path.join(h.dir, "state"));
  // The project's name is all the CLI checks; without the config declarations, `refresh` needs no config either.
  await writeFile(path.join(projectDir, "Pulumi.yaml"), "name: forge-previews\nruntime: nodejs\n");
  pulumiEnv = {
    PULUMI_CLI_BIN_DIR: locatePulumiBinDir(),
    PULUMI_BACKEND_URL: `file://${path.join(h.dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "sweep-test-passphrase",
    PULUMI_HOME: path.join(h.dir, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    FORGE_PREVIEWS_PROJECT_DIR: projectDir,
  };
  Object.assign(h.env, pulumiEnv);
  for (const stack of ["pr-3", "pr-5", "pr-6"]) pulumi(["stack", "init", stack]);
  for (const stack of ["pr-5", "pr-6"]) pulumi(["refresh", "--yes", "--stack", stack]);
  const repo = h.stub.repo(REPO);
  repo.pulls.set(3, openPull(3, { state: "closed", merged: true }));
  repo.pulls.set(5, openPull(5));
  repo.pulls.set(6, openPull(6, { labels: ["keep-preview"] }));
  // Forty days on, pr-5 is past the 30-day TTL.
  h.now = new Date(Date.now() + 40 * 24 * 60 * 60 * 1000);
});

afterAll(async () => {
  await h.close();
});

describe("sweep on real stacks", () => {
  it("plans from the stacks Pulumi lists and, as a dry run, leaves them all", async () => {
    const code = await h.runSweep(["--dry-run"], real());

    expect(code).toBe(0);
    const plan = h.out.filter((l) => l.startsWith("would ")).map((l) => l.split(/\s+/).slice(0, 3).join(" "));
    expect(plan).toEqual(["would destroy pr-3", "would warn pr-5", "would keep pr-6"]);
    expect(stackNames()).toEqual(["pr-3", "pr-5", "pr-6"]);
    expect(h.stub.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("then destroys the closed PR's stack and warns on the idle one", async () => {
    h.out.length = 0;
    const code = await h.runSweep([], real());

    expect(code).toBe(0);
    expect(stackNames()).toEqual(["pr-5", "pr-6"]);
    const comments = h.stub.repo(REPO).comments.get(5) ?? [];
    expect(comments.map((c) => c.body.slice(0, 30))).toEqual([
      "⏰ The preview `pr-5` has not b",
      "<!-- forge-previews:pr-5 -->\n#",
    ]);
    expect(h.stub.repo(REPO).comments.get(6)).toBeUndefined();
  });
});
