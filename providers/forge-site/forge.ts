/**
 * The Forge calls behind `forge:Site`: finding this stack's site by its name and tag (the ownership mark), and the
 * waits for a site to be installed or gone.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ForgeClient, ForgeNotFoundError, type Paginated, type Site, type TaggedSite } from "../forge";
import { pollPacing, waitUntilGone } from "../runtime";
import type { ForgeSiteInputs } from "./rules";
import { siteProgress, unechoedFields } from "./state";

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

/** The site named exactly `inputs.domain` that carries this stack's tag, or `undefined`. */
export async function findOwnSite(
  client: ForgeClient,
  inputs: Pick<ForgeSiteInputs, "serverId" | "domain" | "ownerTag">,
): Promise<Site | undefined> {
  const found = await findTaggedSite(client, inputs.serverId, inputs.domain);
  return found !== undefined && found.tags.includes(inputs.ownerTag) ? found.site : undefined;
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
): Promise<Site> {
  const ready = await client.waitFor(async () => siteProgress(await client.sites.get(site.id), inputs), {
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
