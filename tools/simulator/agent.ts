/**
 * The points where Forge's agent acts on the server, as hooks the handlers call. The default host does what the
 * simulator always did (the sandbox files, nothing else); a host that acts for real (tools/box/) returns promises, and
 * the object's end state then follows the work instead of the simulator's timeline.
 */
import { extend } from "./async-clock";
import type { SandboxFiles } from "./sandbox-files";
import type {
  BackgroundProcessRecord,
  CertificateRecord,
  DeploymentRecord,
  Lifecycle,
  SecurityRuleRecord,
  SiteRecord,
} from "./types";

/** What a deployment did: its exit status decides `finished` or `failed`; its output becomes the log. */
export interface DeploymentOutcome {
  ok: boolean;
  log: string;
}

export type ProcessAction = "start" | "stop" | "restart";

/** A security rule's credentials as the request gave them: a missing password keeps the current one. */
export interface RuleCredential {
  username: string;
  password?: string;
}

/**
 * Each hook returns null when the simulator's own timeline decides the outcome, or a promise of the real work, whose
 * rejection ends the object in its failure state. The `…Read`/`…Status` hooks answer synchronously from what the host
 * knows now, or null for the simulator's own record.
 */
export interface HostAgent {
  siteCreated(site: SiteRecord, environment: string): Promise<void> | null;
  siteDeleted(site: SiteRecord): Promise<void> | null;
  environmentWritten(site: SiteRecord, content: string): void;
  environmentRead(site: SiteRecord): string | null;
  deploymentScriptWritten(site: SiteRecord, content: string): void;
  deploymentRun(site: SiteRecord, deployment: DeploymentRecord): Promise<DeploymentOutcome> | null;
  backgroundProcessCreated(process: BackgroundProcessRecord): Promise<void> | null;
  backgroundProcessDeleted(process: BackgroundProcessRecord): Promise<void> | null;
  /** Supervisor's `start`, `stop` or `restart` of the program. */
  backgroundProcessAction(process: BackgroundProcessRecord, action: ProcessAction): Promise<void> | null;
  /** The live state (`running`, `backoff`, `fatal`, …) of a process the host runs. */
  backgroundProcessStatus(process: BackgroundProcessRecord): string | null;
  securityRuleInstalled(
    site: SiteRecord,
    rule: SecurityRuleRecord,
    credentials: RuleCredential[],
  ): Promise<void> | null;
  securityRuleRemoved(site: SiteRecord, rule: SecurityRuleRecord): Promise<void> | null;
  certificateRequested(site: SiteRecord, certificate: CertificateRecord, enable: boolean): Promise<void> | null;
  certificateRemoved(site: SiteRecord, certificate: CertificateRecord): Promise<void> | null;
}

/** Today's simulator: the site's `.env` and deployment script in the sandbox folder, every outcome from the timeline. */
export function defaultAgent(sandbox: SandboxFiles): HostAgent {
  return {
    siteCreated(site, environment) {
      sandbox.writeEnv(site.serverId, site.name, environment);
      sandbox.writeDeployScript(site.serverId, site.name, site.deploymentScript);
      return null;
    },
    siteDeleted(site) {
      sandbox.removeSite(site.serverId, site.name);
      return null;
    },
    environmentWritten: (site, content) => sandbox.writeEnv(site.serverId, site.name, content),
    environmentRead: () => null,
    deploymentScriptWritten: (site, content) => sandbox.writeDeployScript(site.serverId, site.name, content),
    deploymentRun: () => null,
    backgroundProcessCreated: () => null,
    backgroundProcessDeleted: () => null,
    backgroundProcessAction: () => null,
    backgroundProcessStatus: () => null,
    securityRuleInstalled: () => null,
    securityRuleRemoved: () => null,
    certificateRequested: () => null,
    certificateRemoved: () => null,
  };
}

/** The clock and persistence a pending object needs when its work settles. */
export interface Settling {
  now(): number;
  save(): void;
  log(line: string): void;
}

/**
 * Keeps `lifecycle` at its first `keep` steps (the in-progress values) until `work` settles, then moves it to `done(result)` or, on a rejection, to
 * `failed` (the error is logged, never answered: it may name paths on the host).
 */
export function settleWith<T>(
  settling: Settling,
  lifecycle: Lifecycle,
  work: Promise<T>,
  done: (result: T) => Record<string, string | boolean>,
  failed: Record<string, string | boolean>,
  keep = 1,
): void {
  lifecycle.steps = lifecycle.steps.slice(0, keep);
  work.then(
    (result) => {
      extend(lifecycle, settling.now(), done(result));
      settling.save();
    },
    (error: unknown) => {
      settling.log(`[forge-simulator] host work failed: ${error instanceof Error ? error.message : String(error)}`);
      extend(lifecycle, settling.now(), failed);
      settling.save();
    },
  );
}

/** Keeps a deleted object visible as `removing` until `work` settles; it is gone once the host has removed it. */
export function removeWith(settling: Settling, lifecycle: Lifecycle, work: Promise<void>): void {
  lifecycle.goneAt = Number.MAX_SAFE_INTEGER;
  const gone = () => {
    lifecycle.goneAt = settling.now();
    settling.save();
  };
  work.then(gone, (error: unknown) => {
    settling.log(`[forge-simulator] host removal failed: ${error instanceof Error ? error.message : String(error)}`);
    gone();
  });
}
