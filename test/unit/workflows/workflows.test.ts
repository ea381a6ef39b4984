import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import {
  type Workflow,
  jobsWithoutPermissions,
  parseWorkflow,
  perPullRequestConcurrencyProblems,
  untrustedExpressionsInRun,
  unpinnedActions,
} from "./workflow-rules";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");
const CALLER_EXAMPLE = path.join(ROOT, ".github", "preview-caller.example.yml");
const RUNTIME_ACTION = path.join(ROOT, ".github", "actions", "runtime", "action.yml");

function load(file: string): Workflow {
  return parseWorkflow(path.relative(ROOT, file), readFileSync(file, "utf8"));
}

const workflows = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => load(path.join(WORKFLOW_DIR, f)));
const everything = [...workflows, load(CALLER_EXAMPLE)];

describe("the workflows", () => {
  it("include the preview, snapshots and sweep workflows", () => {
    expect(workflows.map((w) => w.name).sort()).toEqual(
      expect.arrayContaining([
        ".github/workflows/preview.yml",
        ".github/workflows/snapshots.yml",
        ".github/workflows/sweep.yml",
      ]),
    );
  });

  it("never put event text or the head branch into a run: script through an expression", () => {
    expect(everything.flatMap(untrustedExpressionsInRun)).toEqual([]);
  });

  it("pin every action and reusable workflow to a full commit SHA", () => {
    expect(everything.flatMap(unpinnedActions)).toEqual([]);
  });

  it("give every job explicit permissions", () => {
    expect(everything.flatMap(jobsWithoutPermissions)).toEqual([]);
  });

  it("grant the preview, snapshots and sweep jobs their permissions job by job, with none at the top", () => {
    for (const w of workflows.filter((w) => !w.name.endsWith("ci.yml"))) {
      expect([w.name, w.doc.permissions]).toEqual([w.name, {}]);
      for (const job of Object.values(w.doc.jobs as Record<string, { permissions?: unknown }>))
        expect(job.permissions).toEqual(expect.any(Object));
    }
  });

  it("run the preview workflow's privileged job one at a time per PR without cancelling", () => {
    const preview = workflows.find((w) => w.name === ".github/workflows/preview.yml") as Workflow;
    expect(perPullRequestConcurrencyProblems(preview)).toEqual([]);
  });

  it("make the preview workflow reusable, and the caller example call it", () => {
    const preview = workflows.find((w) => w.name === ".github/workflows/preview.yml") as Workflow;
    expect(Object.keys(preview.doc.on as object)).toEqual(["workflow_call"]);
    const caller = load(CALLER_EXAMPLE).doc;
    expect(Object.keys(caller.on as object).sort()).toEqual(["issue_comment", "pull_request"]);
    const job = (caller.jobs as Record<string, { uses: string; with: Record<string, string> }>).preview;
    expect(job.uses).toMatch(/^[\w.-]+\/forge-previews\/\.github\/workflows\/preview\.yml@[0-9a-f]{40}$/);
    expect(job.uses.endsWith(`@${job.with["forge-previews-ref"]}`)).toBe(true);
  });

  it("schedule the snapshot refresh on Sundays at 02:00 and the sweep daily", () => {
    const cron = (name: string) =>
      ((workflows.find((w) => w.name === name)?.doc.on as { schedule: Array<{ cron: string }> }).schedule ?? []).map(
        (s) => s.cron,
      );
    expect(cron(".github/workflows/snapshots.yml")).toEqual(["0 2 * * 0"]);
    expect(cron(".github/workflows/sweep.yml")).toHaveLength(1);
    expect(cron(".github/workflows/sweep.yml")[0]).toMatch(/^\d+ \d+ \* \* \*$/);
  });
});

describe("the jobs that run the CLI in Actions", () => {
  type Step = { uses?: string; run?: string; with?: Record<string, string> };
  const runtime = parseWorkflow(".github/actions/runtime/action.yml", readFileSync(RUNTIME_ACTION, "utf8")).doc as {
    runs: { steps: Step[] };
  };
  const operational = workflows.filter((w) => !w.name.endsWith("ci.yml"));
  const stepsOf = (w: Workflow): Step[] =>
    Object.values(w.doc.jobs as Record<string, { steps?: Step[] }>).flatMap((job) => job.steps ?? []);

  it("set up the runtime only: no test services, no Go build, no actionlint", () => {
    for (const w of operational) {
      const text = JSON.stringify(stepsOf(w));
      expect([w.name, /setup\.sh|apt-get|setup-go|actionlint|mariadb|redis-server/.test(text)]).toEqual([
        w.name,
        false,
      ]);
      expect([w.name, stepsOf(w).some((s) => s.uses?.endsWith(".github/actions/runtime"))]).toEqual([w.name, true]);
    }
  });

  it("disable plugin acquisition in every workflow", () => {
    for (const w of workflows)
      expect([
        w.name,
        (w.doc.env as Record<string, string> | undefined)?.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION,
      ]).toEqual([w.name, "true"]);
  });

  it("install the official Pulumi CLI at the SDK's version and check it against the release's checksum file", () => {
    const script = runtime.runs.steps.map((s) => s.run ?? "").join("\n");
    expect(script).toContain('base="https://github.com/pulumi/pulumi/releases/download/v$VERSION"');
    expect(script).toContain('"$base/pulumi-$VERSION-checksums.txt"');
    expect(script).toContain("sha256sum --check --strict");
    expect(script).toContain("@pulumi/pulumi/package.json");
    for (const step of runtime.runs.steps) if (step.uses) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
  });

  it("keep the program's and the hosts' start-up caches between runs", () => {
    const paths = runtime.runs.steps.map((step) => String(step.with?.path ?? ""));
    expect(paths).toContainEqual(expect.stringContaining("${{ inputs.project-dir }}/.cache/transpiled"));
    expect(paths).toContainEqual(expect.stringContaining("${{ inputs.project-dir }}/.cache/provider-shims"));
  });

  it("restore a cache keyed on the lockfile from an older one", () => {
    const caches = [...workflows.flatMap(stepsOf), ...runtime.runs.steps].filter((s) =>
      /^actions\/cache(\/restore)?@/.test(s.uses ?? ""),
    );
    expect(caches.length).toBeGreaterThan(0);
    for (const cache of caches.filter((c) => (c.with?.key ?? "").includes("hashFiles(")))
      expect([cache.with?.key, cache.with?.["restore-keys"]]).toEqual([cache.with?.key, expect.any(String)]);
  });
});

describe("the workflow checks", () => {
  const bad = parseWorkflow(
    "bad.yml",
    `
on: issue_comment
jobs:
  a:
    runs-on: ubuntu-24.04
    concurrency:
      group: preview-\${{ github.ref }}
      cancel-in-progress: true
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.event.comment.body }}"
      - run: git checkout "\${{ github.head_ref }}"
        env:
          TOKEN: \${{ secrets.T }}
      - run: echo "$BODY"
        env:
          BODY: \${{ github.event.comment.body }}
  b:
    uses: acme/x/.github/workflows/y.yml@main
    secrets:
      T: \${{ secrets.T }}
  c:
    runs-on: ubuntu-24.04
    steps:
      - run: echo no secrets here
`,
  );

  it("find event text and the head branch inside run:, but not in env:", () => {
    expect(untrustedExpressionsInRun(bad)).toEqual([
      "bad.yml job a step 2: `${{ github.event.comment.body }}` inside run:",
      "bad.yml job a step 3: `${{ github.head_ref }}` inside run:",
    ]);
  });

  it("find actions and reusable workflows pinned to a tag or branch", () => {
    expect(unpinnedActions(bad)).toEqual([
      "bad.yml job a step 1: `actions/checkout@v4` is not pinned to a commit SHA",
      "bad.yml job b: `acme/x/.github/workflows/y.yml@main` is not pinned to a commit SHA",
    ]);
  });

  it("find jobs without permissions", () => {
    expect(jobsWithoutPermissions(bad)).toEqual([
      "bad.yml job a sets no permissions",
      "bad.yml job b sets no permissions",
      "bad.yml job c sets no permissions",
    ]);
  });

  it("accept permissions set for the whole workflow, but not an empty grant that leaves jobs to their own", () => {
    const covered = parseWorkflow("w.yml", "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n");
    const empty = parseWorkflow("e.yml", "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n");
    expect(jobsWithoutPermissions(covered)).toEqual([]);
    expect(jobsWithoutPermissions(empty)).toEqual(["e.yml job a sets no permissions"]);
  });

  it("find a concurrency group of a job with secrets that is not per PR, not prefixed, or that cancels", () => {
    expect(perPullRequestConcurrencyProblems(bad)).toEqual([
      "bad.yml job a: concurrency group `preview-${{ github.ref }}` is not prefixed forge-previews-",
      "bad.yml job a: concurrency group `preview-${{ github.ref }}` is not per pull request",
      "bad.yml job a may cancel a run in progress",
      "bad.yml job b has no concurrency group",
    ]);
  });
});
