/** Runs the GitHub commands the way a workflow does: an event file, env, a stub GitHub and fake operations. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runGithubCommand } from "../../../cli/commands/github";
import { runSweepCommand } from "../../../cli/commands/sweep";
import type { Operations, OperationsContext } from "../../../cli/github/operations-port";
import type { WorkflowCommandDeps } from "../../../cli/github/workflow-io";
import { FakeOperations } from "./fake-operations";
import { type StubGitHub, startStubGitHub } from "./stub-github";

export const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "github");

/** Values a test can then search for in everything that left the process. */
export const SECRETS = {
  forgeToken: "forge-tok-7d1c9e2b4a6f8h0j",
  sshKeyLine: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
  passphrase: "correct horse battery staple",
  githubToken: "ghs_stubtoken0123456789abcdefABCDEF",
};

export const SSH_PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRETS.sshKeyLine}\n-----END OPENSSH PRIVATE KEY-----\n`;

export const HEAD_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export function sharedConfig(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    config: {
      "forge-previews:forgeOrg": "acme",
      "forge-previews:forgeServerId": 4242,
      "forge-previews:previewDomain": "preview.acme.test",
      "forge-previews:sshHost": "203.0.113.10",
      "forge-previews:sshHostKeyFingerprint": "SHA256:" + "A".repeat(43),
      "forge-previews:maxEnvironments": 3,
      "forge-previews:apps": { customer: { repository: "acme/customer", masterDatabase: "customer_master" } },
      ...overrides,
    },
  });
}

export interface Harness {
  stub: StubGitHub;
  ops: FakeOperations;
  dir: string;
  out: string[];
  summaryPath: string;
  now: Date;
  env: Record<string, string | undefined>;
  /** The status report `sweep` adds to its job summary; unset, it adds none. */
  readStatus?: WorkflowCommandDeps["readStatus"];
  runGithub(eventName: string, payload: unknown, argv?: string[]): Promise<number>;
  /** Runs sweep with the fake operations, or with `real` ones (the CLI's own, on a real backend). */
  runSweep(
    argv: string[],
    real?: { ops: Operations; createOperationsContext(): Promise<OperationsContext> },
  ): Promise<number>;
  summaryText(): Promise<string>;
  /** Everything that left the process: request bodies, log lines and the job summary. */
  everythingSent(): Promise<string>;
  close(): Promise<void>;
}

export async function readFixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(FIXTURES, name), "utf8")) as Record<string, unknown>;
}

export async function startHarness(): Promise<Harness> {
  const stub = await startStubGitHub();
  const dir = await mkdtemp(path.join(tmpdir(), "forge-previews-gh-"));
  const summaryPath = path.join(dir, "summary.md");
  await writeFile(summaryPath, "");
  const ops = new FakeOperations();
  const out: string[] = [];
  const opsContext: OperationsContext = { projectDir: dir, pulumiBinDir: dir, env: {} };
  const harness: Harness = {
    stub,
    ops,
    dir,
    out,
    summaryPath,
    now: new Date("2025-03-04T10:02:00.000Z"),
    env: {
      GITHUB_ACTIONS: "true",
      GITHUB_TOKEN: SECRETS.githubToken,
      GITHUB_API_URL: stub.url,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/customer",
      GITHUB_RUN_ID: "9001",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_STEP_SUMMARY: summaryPath,
      FORGE_PREVIEWS_CONFIG: sharedConfig(),
      FORGE_TOKEN: SECRETS.forgeToken,
      FORGE_PREVIEWS_SSH_PRIVATE_KEY: SSH_PRIVATE_KEY,
      PULUMI_CONFIG_PASSPHRASE: SECRETS.passphrase,
    },
    async runGithub(eventName, payload, argv = []) {
      const eventPath = path.join(dir, `${eventName}.json`);
      await writeFile(eventPath, JSON.stringify(payload));
      return runGithubCommand(["--event-path", eventPath, "--event-name", eventName, ...argv], {
        env: { ...harness.env },
        out: (line) => out.push(line),
        now: () => harness.now,
        retryBaseMs: 1,
        ops,
        createOperationsContext: async () => opsContext,
      });
    },
    runSweep(argv, real) {
      return runSweepCommand(argv, {
        env: { ...harness.env },
        out: (line) => out.push(line),
        now: () => harness.now,
        retryBaseMs: 1,
        ops: real?.ops ?? ops,
        createOperationsContext: real?.createOperationsContext ?? (async () => opsContext),
        ...(harness.readStatus ? { readStatus: harness.readStatus } : {}),
      });
    },
    summaryText: () => readFile(summaryPath, "utf8"),
    async everythingSent() {
      // `::add-mask::` lines are read by the runner, which never shows them; they are how it learns what to hide.
      const shown = out.filter((line) => !line.startsWith("::add-mask::"));
      return [...stub.requests.map((r) => JSON.stringify(r.body)), ...shown, await readFile(summaryPath, "utf8")].join(
        "\n",
      );
    },
    async close() {
      await stub.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  stub.clock = () => harness.now;
  return harness;
}

/** A same-repository open PR, as GET /pulls/{n} returns it. */
export function openPull(
  number: number,
  overrides: {
    headRepo?: string | null;
    branch?: string;
    labels?: string[];
    state?: "open" | "closed";
    merged?: boolean;
  } = {},
) {
  return {
    number,
    state: overrides.state ?? ("open" as const),
    merged: overrides.merged ?? false,
    head: {
      ref: overrides.branch ?? "feature/vat-lines",
      sha: HEAD_SHA,
      repo: overrides.headRepo === null ? null : { full_name: overrides.headRepo ?? "acme/customer" },
    },
    base: { ref: "main", repo: { full_name: "acme/customer" } },
    labels: (overrides.labels ?? []).map((name) => ({ name })),
  };
}

/** A deployment of `environment` in the stub, finished with `state` unless that is `in_progress`. */
export function recordDeployment(
  stub: StubGitHub,
  repository: string,
  deployment: { id: number; environment: string; state: string; at: string },
): void {
  const { id, environment, state, at } = deployment;
  const repo = stub.repo(repository);
  repo.deployments.push({
    id,
    ref: HEAD_SHA,
    environment,
    created_at: at,
    payload: {},
    transient_environment: true,
    production_environment: false,
  });
  const status = (n: number, s: string) => ({
    id: id * 10 + n,
    state: s,
    description: "",
    environment_url: "",
    log_url: "",
    created_at: at,
  });
  repo.statuses.set(id, state === "in_progress" ? [status(0, state)] : [status(0, "in_progress"), status(1, state)]);
}
