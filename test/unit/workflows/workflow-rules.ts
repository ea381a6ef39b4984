/** Checks on GitHub workflow files, as data: each returns the problems found, empty when the workflow is sound. */
import { parse as parseYaml } from "yaml";

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface Workflow {
  name: string;
  doc: Node;
}

export function parseWorkflow(name: string, text: string): Workflow {
  const doc: unknown = parseYaml(text);
  if (!isNode(doc)) throw new Error(`${name} is not a YAML map`);
  return { name, doc };
}

function jobs(workflow: Workflow): Array<[string, Node]> {
  const all = workflow.doc.jobs;
  return isNode(all) ? Object.entries(all).filter((entry): entry is [string, Node] => isNode(entry[1])) : [];
}

function steps(job: Node): Node[] {
  return Array.isArray(job.steps) ? job.steps.filter(isNode) : [];
}

/** Expressions that carry text an outsider controls, when they appear inside a shell script. */
const UNTRUSTED = /\$\{\{[^}]*\b(github\.event\b|github\.head_ref\b)[^}]*\}\}/;

export function untrustedExpressionsInRun(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    steps(job).forEach((step, index) => {
      if (typeof step.run === "string") {
        const match = UNTRUSTED.exec(step.run);
        if (match) problems.push(`${workflow.name} job ${id} step ${index + 1}: \`${match[0]}\` inside run:`);
      }
    });
  }
  return problems;
}

export function unpinnedActions(workflow: Workflow): string[] {
  const uses: Array<[string, string]> = [];
  for (const [id, job] of jobs(workflow)) {
    if (typeof job.uses === "string") uses.push([`job ${id}`, job.uses]);
    steps(job).forEach((step, index) => {
      if (typeof step.uses === "string") uses.push([`job ${id} step ${index + 1}`, step.uses]);
    });
  }
  return uses
    .filter(([, ref]) => !ref.startsWith("./") && !/@[0-9a-f]{40}$/.test(ref))
    .map(([where, ref]) => `${workflow.name} ${where}: \`${ref}\` is not pinned to a commit SHA`);
}

/**
 * Jobs whose token would get the repository's default permissions: neither the job nor the workflow (whose
 * `permissions` apply to every job that sets none) says what it needs.
 */
export function jobsWithoutPermissions(workflow: Workflow): string[] {
  if (isNode(workflow.doc.permissions) && jobs(workflow).length > 0 && Object.keys(workflow.doc.permissions).length > 0)
    return [];
  return jobs(workflow)
    .filter(([, job]) => !isNode(job.permissions))
    .map(([id]) => `${workflow.name} job ${id} sets no permissions`);
}

/**
 * Every job that holds secrets runs one at a time per PR, in a group named after this project (concurrency groups are
 * shared with the repository's own workflows), with later runs queued rather than cancelling a running one.
 */
export function perPullRequestConcurrencyProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (!/\bsecrets\./.test(JSON.stringify(job))) continue;
    const concurrency = job.concurrency;
    if (!isNode(concurrency) || typeof concurrency.group !== "string") {
      problems.push(`${workflow.name} job ${id} has no concurrency group`);
      continue;
    }
    if (!concurrency.group.startsWith("forge-previews-"))
      problems.push(
        `${workflow.name} job ${id}: concurrency group \`${concurrency.group}\` is not prefixed forge-previews-`,
      );
    if (!/github\.event\.(issue|pull_request)\.number/.test(concurrency.group)) {
      problems.push(`${workflow.name} job ${id}: concurrency group \`${concurrency.group}\` is not per pull request`);
    }
    if (concurrency["cancel-in-progress"] !== false)
      problems.push(`${workflow.name} job ${id} may cancel a run in progress`);
  }
  return problems;
}
