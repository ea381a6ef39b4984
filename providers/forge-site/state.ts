/**
 * Pure mapping between the `forge:Site` resource and Forge's site object: the create and update requests, the
 * outputs read back, when an install or update has finished, and who owns a site found by name.
 */
import { previewCommand } from "../common/cli-hints";
import type { CreateSiteParams, PhpVersion, Site, UpdateSiteParams, WaitResult } from "../forge";
import { waitDone, waitPending } from "../forge";
import type { ForgeSiteInputs, ForgeSiteOutputs } from "./rules";
import { SOURCE_CONTROL_PROVIDERS, type ForgeSiteSourceControl } from "./rules";
import { UserError } from "../common/user-error";

/**
 * Where the site lives on the server. Forge's site object has no absolute path (its `root_directory` is relative to
 * the repository), but Forge puts every site in the home directory of the user that runs it: `/home/<user>/<domain>`.
 * With zero-downtime deployments off that directory is also the checked-out code, so `.env`, the deploy script and
 * queue workers can all use it.
 */
export function siteDirectoryOf(user: string, domain: string): string {
  return `/home/${user}/${domain}`;
}

export function siteUrlOf(domain: string): string {
  return `https://${domain}`;
}

/**
 * The body of `POST …/servers/{server}/sites`.
 * - `domain_mode: custom`: the preview has a domain of its own (DNS is managed outside Forge), not an on-forge one.
 * - `www_redirect_type: none`, no wildcards: a PR subdomain has no `www.` twin and no sub-subdomains.
 * - Zero-downtime deployments off (Forge turns them on by default): releases would move the code into
 *   `releases/<n>` behind a `current` symlink, while the `.env` writer, deploy script and queue workers of a preview
 *   rely on one stable directory; a preview does not need to serve traffic during its own deploy.
 * - No composer install at site creation: the `.env` and database are not in place yet; the first deployment runs it.
 * - `tags: [ownerTag]`: the ownership mark, which Forge only accepts at creation (the API has no tag endpoints).
 */
export function createSiteParams(inputs: ForgeSiteInputs): CreateSiteParams {
  return {
    type: "laravel",
    domainMode: "custom",
    name: inputs.domain,
    wwwRedirectType: "none",
    allowWildcardSubdomains: false,
    webDirectory: inputs.webDirectory,
    isIsolated: true,
    isolatedUser: inputs.isolatedUser,
    phpVersion: inputs.phpVersion as PhpVersion,
    zeroDowntimeDeployments: false,
    sourceControlProvider: inputs.sourceControlProvider,
    repository: inputs.repository,
    branch: inputs.branch,
    installComposerDependencies: false,
    pushToDeploy: inputs.pushToDeploy,
    tags: [inputs.ownerTag],
  };
}

/**
 * `owner/name` from what Forge reports as the repository: the path itself, an SSH remote
 * (`git@github.com:owner/name.git`) or an HTTPS URL (`https://github.com/owner/name.git`).
 */
export function repositoryPathOf(reported: string): string {
  const trimmed = reported.trim();
  const ssh = /^[\w.-]+@[\w.-]+:(.+)$/.exec(trimmed);
  const https = /^[a-z+]+:\/\/[^/]+\/(.+)$/i.exec(trimmed);
  const path = ssh?.[1] ?? https?.[1] ?? trimmed;
  return path.replace(/\/+$/, "").replace(/\.git$/, "");
}

/**
 * Forge's spelling of a PHP version (`php84`, as its create and update take it) from any form a site may report:
 * `php84`, `8.4`, `PHP 8.4`, `php8.4`. SiteResource types `php_version` as a free string and other v2 resources say
 * `8.4`, so every comparison and output goes through here. Unrecognised forms and null pass through unchanged.
 */
export function normalizePhpVersion(reported: string | null): string | null {
  if (reported === null) return null;
  const match = /^(?:php)?\s*(\d)\.?(\d{1,2})$/i.exec(reported.trim());
  return match === null ? reported : `php${match[1]}${match[2]}`;
}

/**
 * Fields Forge may leave `null` for good: `quick_deploy` stays null until Forge installs the repository webhook.
 * A null there says nothing about what was asked, so it is neither compared nor waited on (see `unechoedFields`).
 */
function echoedQuickDeploy(site: Site): boolean | null {
  return site.quickDeploy;
}

/**
 * The in-place fields where Forge's site differs from the inputs; empty when nothing needs changing. Where Forge
 * reports `quick_deploy` as null, `pushToDeploy` is sent only when `previous` (the last applied inputs) shows that
 * it changed: otherwise every run would send it again.
 */
export function updateSiteParams(
  site: Site,
  inputs: ForgeSiteInputs,
  previous?: Pick<ForgeSiteInputs, "pushToDeploy">,
): UpdateSiteParams {
  const params: UpdateSiteParams = {};
  if (normalizePhpVersion(site.phpVersion) !== inputs.phpVersion) params.phpVersion = inputs.phpVersion as PhpVersion;
  if (site.webDirectory !== inputs.webDirectory) params.directory = inputs.webDirectory;
  if (site.repository?.branch !== inputs.branch) params.repositoryBranch = inputs.branch;
  const quickDeploy = echoedQuickDeploy(site);
  const pushToDeployChanged =
    quickDeploy === null
      ? previous !== undefined && previous.pushToDeploy !== inputs.pushToDeploy
      : quickDeploy !== inputs.pushToDeploy;
  if (pushToDeployChanged) params.pushToDeploy = inputs.pushToDeploy;
  return params;
}

/** Requested fields that Forge does not report back (null), so a settled site cannot show them applied. */
export function unechoedFields(site: Site): string[] {
  return echoedQuickDeploy(site) === null ? ["pushToDeploy"] : [];
}

/** Linux user names are at most 32 characters; Forge's `isolated_user` takes the same. */
const LINUX_USER_MAX = 32;
/** How many other names a site may try when the ones before are taken (see `isolatedUserChoice`). */
export const ISOLATED_USER_CHOICES = 10;

/**
 * The Linux user a new site asks Forge for, on its `choice`-th try: `isolatedUser` itself first, then
 * `isolatedUser-2`, `-3`… (shortened to fit 32 characters). Forge deletes a site but may keep its isolated user, and
 * then refuses the same `isolated_user` for the next site (a replace, or the same PR previewed again after a destroy):
 * reusing a user that still owns the old site's files and crontab is not safe, so the site takes the next free name.
 */
export function isolatedUserChoice(isolatedUser: string, choice: number): string {
  if (choice === 0) return isolatedUser;
  const suffix = `-${choice + 1}`;
  return `${isolatedUser.slice(0, LINUX_USER_MAX - suffix.length)}${suffix}`;
}

/** Whether `user` is one of the names a site for `isolatedUser` may run as (see `isolatedUserChoice`). */
export function isUserFor(isolatedUser: string, user: string | null): boolean {
  for (let choice = 0; choice < ISOLATED_USER_CHOICES; choice++) {
    if (user === isolatedUserChoice(isolatedUser, choice)) return true;
  }
  return false;
}

/** Identity fields where an existing site differs from the inputs, as `field (Forge has x)` phrases. */
export function identityMismatches(site: Site, inputs: ForgeSiteInputs): string[] {
  const mismatches: string[] = [];
  if (!site.isolated || !isUserFor(inputs.isolatedUser, site.user)) {
    mismatches.push(
      `\`isolatedUser\` (Forge runs it as \`${site.user ?? "unknown"}\`${site.isolated ? "" : ", not isolated"})`,
    );
  }
  const repository = site.repository?.url ? repositoryPathOf(site.repository.url) : null;
  if (repository !== inputs.repository) mismatches.push(`\`repository\` (Forge has \`${repository ?? "none"}\`)`);
  return mismatches;
}

/** What Forge says the site is now, over the previous outputs (`fallback`) for what Forge does not report. */
export function outputsFromSite(site: Site, fallback: ForgeSiteInputs): ForgeSiteOutputs {
  const provider = site.repository?.provider;
  const user = site.user ?? fallback.isolatedUser;
  return {
    serverId: site.serverId ?? fallback.serverId,
    domain: site.name,
    // A site on a fallback user (`isolatedUserChoice`) still answers to the requested name, so it is not replaced.
    isolatedUser: isUserFor(fallback.isolatedUser, user) ? fallback.isolatedUser : user,
    siteUser: user,
    phpVersion: normalizePhpVersion(site.phpVersion) ?? fallback.phpVersion,
    webDirectory: site.webDirectory ?? fallback.webDirectory,
    repository: site.repository?.url ? repositoryPathOf(site.repository.url) : fallback.repository,
    branch: site.repository?.branch ?? fallback.branch,
    sourceControlProvider: SOURCE_CONTROL_PROVIDERS.includes(provider as ForgeSiteSourceControl)
      ? (provider as ForgeSiteSourceControl)
      : fallback.sourceControlProvider,
    pushToDeploy: site.quickDeploy ?? fallback.pushToDeploy,
    ownerTag: fallback.ownerTag,
    siteId: site.id,
    siteDirectory: siteDirectoryOf(user, site.name),
    url: siteUrlOf(site.name),
    createdAt: site.createdAt,
  };
}

/** The outputs for `inputs` once the site is installed as asked (Forge's id, user and creation time). */
export function outputsFor(inputs: ForgeSiteInputs, site: Site): ForgeSiteOutputs {
  return {
    ...inputs,
    siteUser: site.user ?? inputs.isolatedUser,
    siteId: site.id,
    siteDirectory: siteDirectoryOf(site.user ?? inputs.isolatedUser, inputs.domain),
    url: siteUrlOf(inputs.domain),
    createdAt: site.createdAt,
  };
}

/** Site statuses of a site that finished installing; later ones come from deployments and maintenance mode. */
const READY_STATUSES: ReadonlySet<string> = new Set([
  "installed",
  "deployed",
  "never-deployed",
  "deploying",
  "maintenance",
]);

/**
 * Statuses that follow deployments rather than the install: a failed deployment may leave the site `failed`, and
 * Forge's health checks may call it `unhealthy` (a value other clients know, not the spec). Once the site has been
 * installed they say nothing about the site itself: the deployment resource reports its own failures.
 */
const AFTER_INSTALL_STATUSES: ReadonlySet<string> = new Set(["failed", "unhealthy"]);
/** Deployment statuses a site can only have once it was installed. */
const DEPLOYED_AT_LEAST_ONCE: ReadonlySet<string> = new Set(["queued", "deploying", "deployed", "failed"]);

/** Whether Forge shows the site was installed at some point: it has been deployed, or tried to be. */
export function wasEverInstalled(site: Site): boolean {
  return site.deploymentStatus !== null && DEPLOYED_AT_LEAST_ONCE.has(site.deploymentStatus);
}

/** A site that Forge gave up installing (or updating); waiting longer will not help. */
export class ForgeSiteFailedError extends UserError {
  override readonly name = "ForgeSiteFailedError";

  constructor(site: Site) {
    super(
      `Forge site \`${site.name}\` (site ${site.id}) failed to install (status \`${site.status}\`); see the site's events in ` +
        `Forge for the cause, then ${previewCommand("destroy")} removes the preview, and \`forge-previews up\` creates it again.`,
    );
  }
}

/** One line of what is still outstanding, for the timeout message: `installing; repository installing`. */
function progressOf(site: Site, waitingFor: string[]): string {
  const repository = site.repository?.status ?? "none";
  return [`${site.status}; repository ${repository}`, ...waitingFor].join("; ");
}

/**
 * One poll of a site being installed or updated: done when its status and its repository's are installed and, with
 * `inputs`, every in-place field matches them. Forge may report `null` as the repository status once the clone is
 * done, so a repository whose URL is known also counts as installed then. `failed` and `unhealthy` are an install
 * failure only for a site never installed before (`installedBefore`, or Forge's deployment status shows it was);
 * after that they come from deployments, and the site itself is ready.
 */
export function siteProgress(site: Site, inputs: ForgeSiteInputs | null, installedBefore = false): WaitResult<Site> {
  const afterInstall = AFTER_INSTALL_STATUSES.has(site.status);
  const settledBefore = installedBefore || wasEverInstalled(site);
  if (afterInstall && !settledBefore) throw new ForgeSiteFailedError(site);
  const repository = site.repository;
  const repositoryReady =
    repository !== null &&
    (repository.status === "installed" || (repository.status === null && repository.url !== null));
  // Only fields Forge echoes are waited on; `previous` is left out, so a null `quick_deploy` never holds the wait.
  const pending =
    inputs === null ? [] : Object.keys(updateSiteParams(site, inputs)).map((field) => `${field} not yet applied`);
  const ready = READY_STATUSES.has(site.status) || afterInstall;
  if (ready && repositoryReady && pending.length === 0) return waitDone(site);
  return waitPending(progressOf(site, pending));
}

/** The message refusing to take over a site with the wanted domain that this stack does not own. */
export function foreignSiteMessage(site: Site, inputs: ForgeSiteInputs): string {
  return (
    `Forge already has a site \`${site.name}\` (site ${site.id}) on server ${inputs.serverId} without this stack's tag ` +
    `\`${inputs.ownerTag}\`, and this stack's state does not hold it, so it is not this preview's to take over; delete ` +
    "it in Forge or pick another PR domain. (Forge may apply tags late or not at all: a site this preview created " +
    "but lost from its state looks the same; check its creation time in Forge before deleting it.)"
  );
}

/** The message refusing to adopt an owned site whose identity differs from the inputs. */
export function mismatchedSiteMessage(site: Site, mismatches: string[]): string {
  return (
    `Forge site \`${site.name}\` (site ${site.id}) carries this stack's tag but differs in ${mismatches.join(" and ")}, ` +
    "which Forge cannot change in place; delete it in Forge so it can be created again."
  );
}
