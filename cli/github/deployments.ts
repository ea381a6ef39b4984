/**
 * A GitHub deployment per preview environment (`preview/<stack>`), so the PR shows "View deployment" and GitHub
 * keeps the record the circuit breaker reads: in_progress when a run starts, then success (with the URL) or failure,
 * and inactive once the environment is removed.
 */
import { ENVIRONMENT_PREFIX } from "./breaker";
import type { RepoApi } from "./github-api";

export function environmentName(stack: string): string {
  return `${ENVIRONMENT_PREFIX}${stack}`;
}

export interface DeploymentHandle {
  id: number;
  environment: string;
}

export async function startDeployment(
  api: RepoApi,
  input: { stack: string; pr: number; sha: string; runUrl: string | null },
): Promise<DeploymentHandle> {
  const environment = environmentName(input.stack);
  const id = await api.createDeployment({
    ref: input.sha,
    environment,
    description: `Preview of PR #${input.pr}`,
    payload: { stack: input.stack, pr: input.pr },
  });
  await api.createDeploymentStatus(id, {
    state: "in_progress",
    description: "Deploying the preview",
    ...(input.runUrl ? { logUrl: input.runUrl } : {}),
  });
  return { id, environment };
}

export async function finishDeployment(
  api: RepoApi,
  handle: DeploymentHandle,
  result: { ok: true; url: string | null; runUrl: string | null } | { ok: false; step: string; runUrl: string | null },
): Promise<void> {
  await api.createDeploymentStatus(handle.id, {
    state: result.ok ? "success" : "failure",
    description: result.ok ? "Preview ready" : `Failed at ${result.step}`,
    ...(result.ok && result.url ? { environmentUrl: result.url } : {}),
    ...(result.runUrl ? { logUrl: result.runUrl } : {}),
  });
}

/** Marks the environment's latest deployment inactive (older ones were made inactive by GitHub as newer succeeded). */
export async function deactivateEnvironment(api: RepoApi, stack: string, runUrl: string | null): Promise<boolean> {
  const [latest] = await api.listDeployments({ environment: environmentName(stack), perPage: 1 });
  if (!latest) return false;
  await api.createDeploymentStatus(latest.id, {
    state: "inactive",
    description: "Preview removed",
    ...(runUrl ? { logUrl: runUrl } : {}),
  });
  return true;
}
