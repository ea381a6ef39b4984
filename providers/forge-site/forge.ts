/**
 * The Forge calls behind `forge:Site`: finding this stack's site by its name and tag (the ownership mark), and the
 * waits for a site to be installed or gone.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type ForgeClient,
  ForgeNotFoundError,
  type Paginated,
  type Site,
  type TaggedSite,
  type WaitResult,
  waitPending,
} from "../forge";
import { pollPacing, waitUntilGone } from "../runtime";
import type { ForgeSiteInputs } from "./rules";
import { identityMismatches, siteProgress, unechoedFields } from "./state";

/**
 * Right after the 202 of its create Forge may answer 404 for the new site for a while (another client of the API saw
 * it "briefly un-GET/PUT-able while provisioning"). Up to this long after the wait starts a 404 means "not yet".
 */
export const SITE_VISIBLE_TIMEOUT_MS = 2 * 60_000;

/** Forge installs a site (user, nginx, clone) in well under a minute; ten minutes means it is stuck. */
export const SITE_INSTALL_TIMEOUT_MS = 10 * 60_000;
/** Removal is quicker than installation, but shares its worst case. */
export const SITE_REMOVAL_TIMEOUT_MS = 10 * 60_000;

export type { TaggedSite } from "../forge";

/** Sites on `serverId` whose name contains `name`, each with its tag names. */
export function listTaggedSites(client: ForgeClient, serverId: number, name: string): Paginated<TaggedSite> {
  return client.sites.listWithTags(serverId, name);
}

/** The site named exactly `domain` on `serverId` (the name filter matches partially), with its tags. */
export function findTaggedSite(client: ForgeClient, serverId: number, domain: string): Promise<TaggedSite | undefined> {
  return listTaggedSites(client, serverId, domain).find(({ site }) => site.name === domain);
}

/**
 * The site this stack's create just made, found by its exact name after the create's answer was lost or empty. The
 * tag proves it, or, since Forge may apply tags late or never, the site's identity: no site had this name when the
 * create was sent (the caller checked), names are unique on a server, and the site runs as the isolated user and from
 * the repository asked for.
 */
export async function findCreatedSite(client: ForgeClient, inputs: ForgeSiteInputs): Promise<Site | undefined> {
  const found = await findTaggedSite(client, inputs.serverId, inputs.domain);
  if (found === undefined) return undefined;
  if (found.tags.includes(inputs.ownerTag) || identityMismatches(found.site, inputs).length === 0) return found.site;
  return undefined;
}

/** `client.sites.get`, with a 404 as `undefined`. */
export async function getSiteOrUndefined(client: ForgeClient, siteId: number): Promise<Site | undefined> {
  try {
    return await client.sites.get(siteId);
  } catch (error) {
    if (error instanceof ForgeNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Polls the site until Forge reports it and its repository installed and, with `inputs`, every in-place field that
 * Forge echoes as `inputs` asks. A field Forge leaves null (`quick_deploy` before its webhook exists) is checked once
 * at the end and warned about, not waited on: Forge may never report it. Throws `ForgeSiteFailedError` as soon as
 * Forge reports the site failed, and a timeout naming the site and its last status after `timeoutMs`.
 */
export async function waitForSiteReady(
  client: ForgeClient,
  site: Pick<Site, "id" | "name">,
  inputs: ForgeSiteInputs | null,
  timeoutMs = SITE_INSTALL_TIMEOUT_MS,
  installedBefore = false,
): Promise<Site> {
  const visibleBy = Date.now() + SITE_VISIBLE_TIMEOUT_MS;
  const poll = async (): Promise<WaitResult<Site>> => {
    try {
      return siteProgress(await client.sites.get(site.id), inputs, installedBefore);
    } catch (error) {
      // A new site Forge does not show yet; after the bound, a 404 means the site is gone.
      if (error instanceof ForgeNotFoundError && Date.now() < visibleBy) return waitPending("not found yet (404)");
      throw error;
    }
  };
  const ready = await client.waitFor(poll, {
    what: `Forge site ${site.id} (${site.name}) to be ${inputs === null ? "installed" : "installed with the requested settings"}`,
    timeoutMs,
    ...pollPacing(),
  });
  const unechoed = inputs === null ? [] : unechoedFields(ready);
  if (unechoed.length > 0) {
    void pulumi.log.warn(
      `forge-site: Forge does not report ${unechoed.map((field) => `\`${field}\``).join(", ")} of site ${site.id} (${site.name}) ` +
        "yet (`quick_deploy` stays null until its webhook is installed), so it was requested but cannot be confirmed; " +
        "check the site's deployment settings in Forge if pushes do not deploy as expected.",
    );
  }
  return ready;
}

/** Polls until get-site answers 404. */
export function waitForSiteGone(
  client: ForgeClient,
  siteId: number,
  domain: string,
  timeoutMs = SITE_REMOVAL_TIMEOUT_MS,
): Promise<void> {
  return waitUntilGone(client, () => client.sites.get(siteId), {
    subject: `Forge site ${siteId} (${domain})`,
    timeoutMs,
  });
}
