/**
 * The probe's steps against one throwaway server: an isolated custom-domain site with tags, a background process run
 * as the isolated user, the site's `.env`, a deployment that fails, a whole-site security rule then a certificate,
 * and a second site reusing the first one's isolated user. What each answer showed goes into `Observations`; every
 * object is tracked the moment Forge admits it exists and removed in reverse order at the end, whatever failed.
 */
import { randomBytes } from "node:crypto";
import {
  type BackgroundProcess,
  type BackgroundProcessUser,
  type Certificate,
  type CreateSiteParams,
  type Deployment,
  ForgeApiError,
  type PhpVersion,
  type SecurityRule,
  type Site,
  ForgeLostCreateError,
  createOrFindAfterLostAnswer,
  isForgeNotFound,
  nullIfNotFound,
  waitDone,
  waitPending,
} from "../../providers/forge";
import type { RecordingForgeClient } from "./recorder";

export interface ProbeSettings {
  serverId: number;
  /** The probe's sites are `probe-<run>.<domain>` and `probe-<run>-b.<domain>`. */
  domain: string;
  phpVersion: string;
  /** Marks every name of this run; 8 lowercase hex characters by default. */
  runId?: string;
  /** First pause between polls; they back off to three times this. */
  pollMs?: number;
  /** Longest wait for any one object (a site install, a deployment, a certificate, a removal). */
  waitMs?: number;
  /** Aborting stops the steps at the next call or poll; the clean-up still runs to the end. */
  signal?: AbortSignal;
}

/** Forge's answer when it refused a request (4xx): nothing was made. */
export interface Refusal {
  status: number;
  message: string;
}

export interface Observations {
  names: { site: string; secondSite: string; isolatedUser: string; tags: string[] };
  site?: {
    id: number;
    /** The create's 202 carried no body (the site was found by name instead). */
    createBodyEmpty: boolean;
    /** How many reads answered 404 before the site showed. */
    notFoundReads: number;
    /** Whether any read found the site. */
    read: boolean;
    /** The create's status, then every status read, consecutive repeats folded. */
    statuses: string[];
    phpVersionSent: string;
    phpVersionReported: string | null;
    quickDeploy: boolean | null;
    /** Attributes the spec calls required that came back null on the first successful read. */
    nullAttributes: string[];
    /** Tags listed on the first read after the create, and once the install had ended. */
    tagsAtFirstRead: string[] | null;
    tagsAfterInstall: string[] | null;
  };
  backgroundProcess?:
    | { accepted: true; id: number; createBodyEmpty: boolean; user: string | null; statuses: string[] }
    | { accepted: false; refusal: Refusal };
  environment?: { names: string[]; empty: boolean; appKeySet: boolean };
  deployment?:
    | {
        accepted: true;
        createBodyEmpty: boolean;
        statuses: string[];
        siteStatusAfter: string;
        siteDeploymentStatusAfter: string | null;
      }
    | { accepted: false; refusal: Refusal };
  securityRule?: { id: number; createBodyEmpty: boolean; statuses: (string | null)[]; listed: boolean };
  certificate?: {
    domainStatusBefore: string | null;
    result:
      | {
          accepted: true;
          createBodyEmpty: boolean;
          type: string;
          statuses: string[];
          requestStatuses: (string | null)[];
          settled: boolean;
        }
      | { accepted: false; refusal: Refusal };
  };
  isolatedUserReuse?:
    { accepted: true; id: number; statuses: string[]; user: string | null } | { accepted: false; refusal: Refusal };
}

/** Something the probe made and could not remove. */
export interface Leftover {
  kind: string;
  /** null when its create's answer was lost and it could not be found. */
  id: number | null;
  label: string;
  error: string;
}

export interface ProbeResult {
  observations: Observations;
  /** The step that stopped the probe early, and why. */
  failure: { step: string; message: string } | null;
  removed: string[];
  leftovers: Leftover[];
}

interface Unresolved {
  kind: string;
  label: string;
  /** Looks the object up again and tracks it when found. */
  retry(): Promise<void>;
}

interface Tracked {
  kind: string;
  id: number;
  label: string;
  remove(): Promise<void>;
}

/** A shell syntax error: `bash -n` and a real run both fail it before anything runs. */
export const FAILING_DEPLOY_SCRIPT = [
  "# forge-previews probe: this deployment fails on purpose (an unfinished `if`), to see what a failed",
  "# deployment does to the site's status.",
  "if true; then",
  "",
].join("\n");

const CERTIFICATE_WAIT_MS = 3 * 60_000;
const FINAL_DEPLOYMENT = new Set(["finished", "failed", "failed-build", "cancelled"]);
const SETTLED_PROCESS = new Set(["running", "installed", "fatal", "backoff", "exited", "failed"]);
/** Attributes of SiteResource the spec marks required that a fresh site has been seen to leave null. */
const REQUIRED_SITE_ATTRIBUTES = ["aliases", "deployment_status", "maintenance_mode", "php_version", "quick_deploy"];

/** Folds consecutive repeats: `installing, installing, installed` reads as `installing, installed`. */
function note<T>(list: T[], value: T): void {
  if (list.length === 0 || list[list.length - 1] !== value) list.push(value);
}

function refusalOf(error: unknown): Refusal | null {
  return error instanceof ForgeApiError && error.status >= 400 && error.status < 500 && error.status !== 429
    ? { status: error.status, message: error.message }
    : null;
}

function lastBodyEmpty(client: RecordingForgeClient, operation: string): boolean {
  const exchange = [...client.exchanges].reverse().find((e) => e.operation === operation);
  return exchange !== undefined && exchange.status === null && (exchange.body === null || exchange.body === "");
}

function lastAttributes(client: RecordingForgeClient): Record<string, unknown> {
  const body = client.exchanges[client.exchanges.length - 1]?.body as { data?: { attributes?: unknown } } | undefined;
  const attributes = body?.data?.attributes;
  return attributes !== null && typeof attributes === "object" ? (attributes as Record<string, unknown>) : {};
}

export class Probe {
  readonly observations: Observations;
  private readonly tracked: Tracked[] = [];
  private readonly unresolved: Unresolved[] = [];
  private readonly removed: string[] = [];
  private readonly leftovers: Leftover[] = [];
  private readonly runId: string;
  private readonly pollMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly client: RecordingForgeClient,
    private readonly settings: ProbeSettings,
  ) {
    this.runId = settings.runId ?? randomBytes(4).toString("hex");
    this.pollMs = settings.pollMs ?? 5_000;
    this.waitMs = settings.waitMs ?? 10 * 60_000;
    const user = `probe${this.runId}`;
    this.observations = {
      names: {
        site: `probe-${this.runId}.${settings.domain}`,
        secondSite: `probe-${this.runId}-b.${settings.domain}`,
        isolatedUser: user,
        tags: ["forge-previews-probe", `forge-previews-probe-${this.runId}`],
      },
    };
  }

  /** Runs every step, then removes what it made; never throws for a Forge failure. */
  async run(): Promise<ProbeResult> {
    let failure: ProbeResult["failure"] = null;
    try {
      const site = await this.siteStep();
      for (const step of [
        this.backgroundProcessStep,
        this.environmentStep,
        this.deploymentStep,
        this.ruleAndCertificateStep,
      ]) {
        this.stopIfAborted();
        await step.call(this, site);
      }
      if (await this.cleanUp()) {
        this.stopIfAborted();
        await this.isolatedUserReuseStep();
      }
    } catch (error) {
      failure = { step: this.client.step, message: this.client.redactString((error as Error).message) };
    } finally {
      // Before anything is removed: an object under a site can no longer be listed once the site is gone.
      await this.findUnresolved();
      await this.cleanUp();
    }
    return { observations: this.observations, failure, removed: this.removed, leftovers: this.leftovers };
  }

  private wait<T>(
    what: string,
    check: () => Promise<{ done: true; value: T } | { done: false; status: string | null }>,
    timeoutMs = this.waitMs,
  ): Promise<T> {
    const checkUnlessAborted = (): ReturnType<typeof check> => {
      this.stopIfAborted();
      return check();
    };
    return this.client.waitFor(checkUnlessAborted, {
      what,
      timeoutMs,
      intervalMs: this.pollMs,
      maxIntervalMs: this.pollMs * 3,
      backoff: 1.5,
    });
  }

  /** Between calls of a step, never during the clean-up. */
  private stopIfAborted(): void {
    if (this.settings.signal?.aborted && this.client.step !== "clean-up")
      throw new Error("interrupted; what the probe made so far is removed");
  }

  private track(kind: string, id: number, label: string, remove: () => Promise<void>): void {
    this.tracked.push({ kind, id, label, remove });
  }

  /**
   * Creates an object and tracks it for removal as soon as its id is known: from the answer, or, when the answer was
   * lost, by looking it up (the run id makes its name ours). A look-up that finds nothing (or fails) is repeated
   * before the final clean-up, since Forge may list an object only some time after its 202.
   */
  private async createTracked<T extends { id: number }>(spec: {
    kind: string;
    label: string;
    create: () => Promise<T>;
    find: () => Promise<T | undefined>;
    remove: (object: T) => Promise<void>;
  }): Promise<T> {
    const { kind, label } = spec;
    let object: T;
    try {
      ({ object } = await createOrFindAfterLostAnswer({ what: `${kind} \`${label}\``, mark: "its name", ...spec }));
    } catch (error) {
      if (error instanceof ForgeLostCreateError)
        this.unresolved.push({
          kind,
          label,
          retry: async () => {
            const found = await spec.find();
            if (found !== undefined) this.track(kind, found.id, label, () => spec.remove(found));
          },
        });
      throw error;
    }
    this.track(kind, object.id, label, () => spec.remove(object));
    return object;
  }

  /** Looks once more for objects whose create answer was lost, and tracks what it finds. */
  private async findUnresolved(): Promise<void> {
    for (const spec of this.unresolved.splice(0)) {
      try {
        await spec.retry();
      } catch (error) {
        this.leftovers.push({
          kind: spec.kind,
          id: null,
          label: spec.label,
          error: `its create's answer was lost and looking for it failed: ${this.client.redactString((error as Error).message)}`,
        });
      }
    }
  }

  private siteParams(name: string): CreateSiteParams {
    const { isolatedUser, tags } = this.observations.names;
    return {
      type: "laravel",
      domainMode: "custom",
      name,
      wwwRedirectType: "none",
      allowWildcardSubdomains: false,
      isIsolated: true,
      isolatedUser,
      phpVersion: this.settings.phpVersion as PhpVersion,
      zeroDowntimeDeployments: false,
      installComposerDependencies: false,
      pushToDeploy: false,
      tags,
    };
  }

  private createSite(name: string): Promise<Site> {
    const { serverId } = this.settings;
    return this.createTracked({
      kind: "site",
      label: name,
      create: () => this.client.sites.create(serverId, this.siteParams(name)),
      find: () => this.client.sites.findByName(serverId, name),
      remove: (site) => this.removeSite(site.id, name),
    });
  }

  /** Deletes, then reads until 404: the next step (or the next probe) must not meet what is being removed. */
  private async deleteAndWaitGone(
    what: string,
    remove: () => Promise<void>,
    read: () => Promise<{ status: string | null }>,
  ): Promise<void> {
    const removed = await remove().then(
      () => true,
      (error: unknown) => {
        if (isForgeNotFound(error)) return false; // already gone
        throw error;
      },
    );
    if (!removed) return;
    await this.wait(`${what} to be removed`, async () => {
      const found = await nullIfNotFound(read());
      return found === null ? waitDone(undefined) : waitPending(found.status);
    });
  }

  private removeSite(id: number, name: string): Promise<void> {
    return this.deleteAndWaitGone(
      `site ${id} (${name})`,
      () => this.client.sites.delete(this.settings.serverId, id),
      () => this.client.sites.get(id),
    );
  }

  private async tagsOf(name: string): Promise<string[] | null> {
    const found = await this.client.sites
      .listWithTags(this.settings.serverId, name)
      .find(({ site }) => site.name === name);
    return found?.tags ?? null;
  }

  private async siteStep(): Promise<Site> {
    this.client.step = "site";
    const name = this.observations.names.site;
    const created = await this.createSite(name);
    const seen: NonNullable<Observations["site"]> = {
      id: created.id,
      createBodyEmpty: lastBodyEmpty(this.client, "organizations.servers.sites.store"),
      notFoundReads: 0,
      read: false,
      statuses: [created.status],
      phpVersionSent: this.settings.phpVersion,
      phpVersionReported: null,
      quickDeploy: null,
      nullAttributes: [],
      tagsAtFirstRead: null,
      tagsAfterInstall: null,
    };
    this.observations.site = seen;
    const site = await this.wait(`site ${created.id} (${name}) to finish installing`, async () => {
      let read: Site;
      try {
        read = await this.client.sites.get(created.id);
      } catch (error) {
        if (!isForgeNotFound(error)) throw error;
        seen.notFoundReads += 1;
        return waitPending("404");
      }
      if (!seen.read) {
        seen.read = true;
        const attributes = lastAttributes(this.client);
        seen.nullAttributes = REQUIRED_SITE_ATTRIBUTES.filter((key) => attributes[key] === null);
        seen.tagsAtFirstRead = await this.tagsOf(name);
      }
      note(seen.statuses, read.status);
      return read.status === "installed" || read.status === "failed" ? waitDone(read) : waitPending(read.status);
    });
    seen.phpVersionReported = site.phpVersion;
    seen.quickDeploy = site.quickDeploy;
    seen.tagsAfterInstall = await this.tagsOf(name);
    if (site.status !== "installed") throw new Error(`site ${site.id} (${name}) ended \`${site.status}\``);
    return site;
  }

  private async backgroundProcessStep(site: Site): Promise<void> {
    this.client.step = "background-process";
    const { serverId } = this.settings;
    const command = `sleep 3600`;
    const name = `forge-previews-probe-${this.runId}`;
    let process: BackgroundProcess;
    try {
      process = await this.createTracked({
        kind: "background process",
        label: name,
        create: () =>
          this.client.backgroundProcesses.create(serverId, {
            name,
            command,
            // The spec's enum says `root` or `forge`; whether Forge takes the isolated user is what this asks.
            user: this.observations.names.isolatedUser as BackgroundProcessUser,
            processes: 1,
            siteId: site.id,
          }),
        find: () =>
          this.client.backgroundProcesses.list(serverId, { siteId: site.id }).find((p) => p.command === command),
        remove: (found) =>
          this.deleteAndWaitGone(
            `background process ${found.id}`,
            () => this.client.backgroundProcesses.delete(serverId, found.id),
            () => this.client.backgroundProcesses.get(serverId, found.id),
          ),
      });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      this.observations.backgroundProcess = { accepted: false, refusal };
      return;
    }
    const seen = {
      accepted: true as const,
      id: process.id,
      createBodyEmpty: lastBodyEmpty(this.client, "organizations.servers.background-processes.store"),
      user: process.user,
      statuses: [process.status],
    };
    this.observations.backgroundProcess = seen;
    await this.wait(`background process ${process.id} to settle`, async () => {
      const read = await this.client.backgroundProcesses.get(serverId, process.id);
      note(seen.statuses, read.status);
      seen.user = read.user;
      return SETTLED_PROCESS.has(read.status) ? waitDone(read) : waitPending(read.status);
    });
  }

  private async environmentStep(site: Site): Promise<void> {
    this.client.step = "environment";
    const content = await this.client.environment.get(this.settings.serverId, site.id);
    const lines = content.split(/\r?\n/).map((line) => /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line));
    const pairs = lines.filter((match) => match !== null);
    this.observations.environment = {
      names: pairs.map((match) => match[1]),
      empty: content.trim() === "",
      appKeySet: pairs.some((match) => match[1] === "APP_KEY" && match[2].trim() !== ""),
    };
  }

  private async deploymentStep(site: Site): Promise<void> {
    this.client.step = "deployment";
    const { serverId } = this.settings;
    await this.client.deployments.updateScript(serverId, site.id, { content: FAILING_DEPLOY_SCRIPT });
    // Not tracked: a deployment goes with its site.
    let deployment: Deployment;
    try {
      ({ object: deployment } = await createOrFindAfterLostAnswer({
        what: `a deployment of site ${site.id}`,
        mark: "being the site's newest",
        create: () => this.client.deployments.create(serverId, site.id),
        find: () =>
          this.client.deployments.list(serverId, site.id, { sort: "-created_at", pageSize: 1 }).find(() => true),
      }));
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      this.observations.deployment = { accepted: false, refusal };
      return;
    }
    const createBodyEmpty = lastBodyEmpty(this.client, "organizations.servers.sites.deployments.store");
    const statuses = [deployment.status];
    await this.wait(`deployment ${deployment.id} to end`, async () => {
      const read = await this.client.deployments.get(serverId, site.id, deployment.id);
      note(statuses, read.status);
      return FINAL_DEPLOYMENT.has(read.status) ? waitDone(read) : waitPending(read.status);
    });
    const after = await this.client.sites.get(site.id);
    this.observations.deployment = {
      accepted: true,
      createBodyEmpty,
      statuses,
      siteStatusAfter: after.status,
      siteDeploymentStatusAfter: after.deploymentStatus,
    };
  }

  private async ruleAndCertificateStep(site: Site): Promise<void> {
    this.client.step = "security-rule";
    const { serverId } = this.settings;
    const password = randomBytes(18).toString("base64url");
    this.client.addSecret(password);
    const ruleName = `forge-previews-probe-${this.runId}`;
    const rule = await this.createTracked<SecurityRule>({
      kind: "security rule",
      label: ruleName,
      create: () =>
        this.client.securityRules.create(serverId, site.id, {
          name: ruleName,
          credentials: [{ username: "probe", password }],
        }),
      find: () => this.client.securityRules.list(serverId, site.id).find((r) => r.name === ruleName),
      remove: async (found) => {
        await nullIfNotFound(this.client.securityRules.delete(serverId, site.id, found.id));
      },
    });
    const seen = {
      id: rule.id,
      createBodyEmpty: lastBodyEmpty(this.client, "organizations.servers.sites.security-rules.store"),
      statuses: [rule.status] as (string | null)[],
      listed: false,
    };
    this.observations.securityRule = seen;
    // A null status may never change, so three null reads end the wait as surely as `installed` does.
    let nullReads = rule.status === null ? 1 : 0;
    await this.wait(`security rule ${rule.id} to be installed`, async () => {
      const read = await this.client.securityRules.get(serverId, site.id, rule.id);
      note(seen.statuses, read.status);
      nullReads += read.status === null ? 1 : 0;
      const done = read.status === "installed" || read.status === "failed" || nullReads >= 3;
      return done ? waitDone(read) : waitPending(read.status);
    });
    seen.listed = (await this.client.securityRules.list(serverId, site.id).find((r) => r.id === rule.id)) !== undefined;

    this.client.step = "certificate";
    const domain = await this.client.domains.findPrimary(serverId, site.id);
    if (domain === undefined) throw new Error(`site ${site.id} lists no primary domain record`);
    const observed: NonNullable<Observations["certificate"]> = {
      domainStatusBefore: domain.status,
      result: { accepted: false, refusal: { status: 0, message: "not requested" } },
    };
    this.observations.certificate = observed;
    let certificate: Certificate;
    try {
      certificate = await this.createTracked({
        kind: "certificate",
        label: domain.name,
        create: () => this.client.certificates.createLetsEncrypt(serverId, site.id, domain.id, { enable: true }),
        // The probe's site is new, so its domain's only certificate is the one requested here.
        find: async () => (await this.client.certificates.list(serverId, site.id, domain.id).all()).at(-1),
        remove: async (found) => {
          await nullIfNotFound(this.client.certificates.delete(serverId, site.id, domain.id, found.id));
        },
      });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      observed.result = { accepted: false, refusal };
      return;
    }
    const result = {
      accepted: true as const,
      createBodyEmpty: lastBodyEmpty(this.client, "organizations.servers.sites.domains.certificates.store"),
      type: certificate.type,
      statuses: [certificate.status],
      requestStatuses: [certificate.requestStatus],
      settled: false,
    };
    observed.result = result;
    try {
      await this.wait(
        `certificate ${certificate.id} to be issued or fail`,
        async () => {
          const read = await this.client.certificates.get(serverId, site.id, domain.id, certificate.id);
          note(result.statuses, read.status);
          note(result.requestStatuses, read.requestStatus);
          return read.status === "installed" || read.status === "failed" ? waitDone(read) : waitPending(read.status);
        },
        // A name that does not resolve to this server never settles; a few minutes say as much as ten.
        Math.min(this.waitMs, CERTIFICATE_WAIT_MS),
      );
      result.settled = true;
    } catch (error) {
      // A certificate that never settles is itself the answer (row 7 or 9); the report says so.
      if ((error as { kind?: string }).kind !== "wait-timeout") throw error;
    }
  }

  /** Reuses the removed site's isolated user on a new site: refused, or accepted and installed? */
  private async isolatedUserReuseStep(): Promise<void> {
    this.client.step = "isolated-user-reuse";
    const name = this.observations.names.secondSite;
    let site: Site;
    try {
      site = await this.createSite(name);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      this.observations.isolatedUserReuse = { accepted: false, refusal };
      return;
    }
    const seen = { accepted: true as const, id: site.id, statuses: [] as string[], user: site.user };
    this.observations.isolatedUserReuse = seen;
    await this.wait(`site ${site.id} (${name}) to finish installing`, async () => {
      const read = await nullIfNotFound(this.client.sites.get(site.id));
      if (read === null) return waitPending("404");
      note(seen.statuses, read.status);
      seen.user = read.user;
      return read.status === "installed" || read.status === "failed" ? waitDone(read) : waitPending(read.status);
    });
  }

  /** Removes every tracked object, newest first; true when nothing is left. What fails is kept with its error. */
  private async cleanUp(): Promise<boolean> {
    const step = this.client.step;
    this.client.step = "clean-up";
    while (this.tracked.length > 0) {
      const item = this.tracked.pop() as Tracked;
      try {
        await item.remove();
        this.removed.push(`${item.kind} ${item.id} (${item.label})`);
      } catch (error) {
        this.leftovers.push({
          kind: item.kind,
          id: item.id,
          label: item.label,
          error: this.client.redactString((error as Error).message),
        });
      }
    }
    this.client.step = step;
    return this.leftovers.length === 0;
  }
}
