/**
 * Plays a workflow file the way GitHub would for one event: jobs in `needs:` order, each job's `if:` evaluated on the
 * event, and the `run:` steps of the jobs a test lets execute run for real by bash with the step's `env:` (GitHub's
 * API at the stub). Other jobs are only recorded as started, with their resolved concurrency group, which is all a
 * test of the workflow's routing needs to see.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { type ExpressionContext, type Value, evaluateIf, interpolate } from "../../unit/workflows/expressions";

export interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  "working-directory"?: string;
  env?: Record<string, string>;
}

export interface WorkflowJob {
  needs?: string | string[];
  if?: string | boolean;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  outputs?: Record<string, string>;
  steps?: WorkflowStep[];
}

export interface WorkflowFile {
  jobs: Record<string, WorkflowJob>;
}

export async function loadWorkflowFile(file: string): Promise<WorkflowFile> {
  return parseYaml(await readFile(file, "utf8")) as WorkflowFile;
}

export function needsOf(job: WorkflowJob): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The app repository's commit that started the run, and the forge-previews commit its caller workflow pins. */
export const CALLER_SHA = "5d2c6b0e7f4a3918d6c2b1a0f9e8d7c6b5a49382";
export const PINNED_SHA = "0123456789abcdef0123456789abcdef01234567";

/** The contexts a reusable workflow sees for an event of the caller's repository. */
export function eventContext(eventName: string, payload: Record<string, unknown>, token: string): ExpressionContext {
  const repository = (payload.repository as { full_name: string }).full_name;
  return {
    github: {
      event_name: eventName,
      event: payload as Value,
      action: String(payload.action ?? ""),
      repository,
      token,
      server_url: "https://github.com",
      run_id: "9001",
      workflow_ref: `${repository}/.github/workflows/preview.yml@refs/heads/main`,
      workflow_sha: CALLER_SHA,
    },
    inputs: {
      "forge-previews-repository": "acme/forge-previews",
      "forge-previews-ref": PINNED_SHA,
      config: "{}",
      app: "",
    },
    secrets: {},
    vars: {},
    runner: { os: "Linux" },
  };
}

export interface JobRecord {
  result: "success" | "failure" | "skipped";
  /** The job's concurrency group as GitHub would compute it, or null when it has none. */
  group: string | null;
  outputs: Record<string, string>;
  /** Lines the executed steps printed. */
  log: string[];
}

function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z0-9_-]+)=(.*)$/.exec(line);
    if (match) outputs[match[1]] = match[2];
  }
  return outputs;
}

function runBash(script: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // The options GitHub runs a `shell: bash` step with.
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { env, cwd });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Runs the workflow's jobs for one event. `execute` names the jobs whose steps really run (they must consist of `run:`
 * steps only); the others are recorded as started without running anything.
 */
export async function playWorkflow(
  workflow: WorkflowFile,
  context: ExpressionContext,
  options: { execute: string[]; apiUrl: string },
): Promise<Record<string, JobRecord>> {
  const records: Record<string, JobRecord> = {};
  const pending = Object.keys(workflow.jobs);
  const dir = await mkdtemp(path.join(tmpdir(), "forge-previews-workflow-"));
  try {
    while (pending.length > 0) {
      const index = pending.findIndex((id) => needsOf(workflow.jobs[id]).every((need) => need in records));
      if (index < 0) throw new Error(`jobs ${pending.join(", ")} wait on each other`);
      const [id] = pending.splice(index, 1);
      const job = workflow.jobs[id];
      const needs = Object.fromEntries(
        needsOf(job).map((need) => [need, { result: records[need].result, outputs: records[need].outputs }]),
      );
      const status = { failed: needsOf(job).some((need) => records[need].result !== "success"), cancelled: false };
      const jobContext: ExpressionContext = { ...context, needs };
      if (!evaluateIf(job.if, jobContext, status)) {
        records[id] = { result: "skipped", group: null, outputs: {}, log: [] };
        continue;
      }
      const group = job.concurrency ? interpolate(job.concurrency.group, jobContext) : null;
      if (!options.execute.includes(id)) {
        records[id] = { result: "success", group, outputs: {}, log: [] };
        continue;
      }
      records[id] = await runJob(id, job, jobContext, group, options.apiUrl, dir);
    }
    return records;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the named `run:` steps of one job on their own, as its first steps would run. */
export async function playSteps(
  workflow: WorkflowFile,
  jobId: string,
  stepNames: string[],
  context: ExpressionContext,
  apiUrl: string,
): Promise<JobRecord> {
  const job = workflow.jobs[jobId];
  const steps = (job.steps ?? []).filter((step) => step.name !== undefined && stepNames.includes(step.name));
  if (steps.length !== stepNames.length) throw new Error(`job ${jobId} lacks one of the steps ${stepNames.join(", ")}`);
  const dir = await mkdtemp(path.join(tmpdir(), "forge-previews-workflow-"));
  try {
    return await runJob(jobId, { ...job, steps, outputs: {} }, context, null, apiUrl, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runJob(
  id: string,
  job: WorkflowJob,
  context: ExpressionContext,
  group: string | null,
  apiUrl: string,
  dir: string,
): Promise<JobRecord> {
  const steps: Record<string, Value> = {};
  const log: string[] = [];
  for (const [index, step] of (job.steps ?? []).entries()) {
    if (step.run === undefined) throw new Error(`job ${id} step ${index + 1} is not a run: step`);
    const outputPath = path.join(dir, `${id}-${index}-output`);
    const summaryPath = path.join(dir, `${id}-${index}-summary`);
    await writeFile(outputPath, "");
    await writeFile(summaryPath, "");
    const stepContext = { ...context, steps };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_API_URL: apiUrl,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), stepContext)])),
    };
    const { code, output } = await runBash(step.run, env, step["working-directory"] === "." ? dir : undefined);
    log.push(...output.split("\n").filter((line) => line !== ""));
    if (code !== 0) return { result: "failure", group, outputs: {}, log };
    if (step.id) steps[step.id] = { outputs: parseOutputFile(await readFile(outputPath, "utf8")) };
  }
  const outputs = Object.fromEntries(
    Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, { ...context, steps })]),
  );
  return { result: "success", group, outputs, log };
}
