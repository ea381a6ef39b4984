/**
 * The Forge calls behind `forge:Site` that the area client does not offer: sites listed with their tags (the
 * ownership mark), and the waits for a site to be installed or gone.
 */
import {
  type ForgeClient,
  ForgeNotFoundError,
  Paginated,
  type Site,
  decodePage,
  toSite,
} from "../forge";
import { isRecord } from "../common/narrow";
import { pollPacing, waitUntilGone } from "../runtime";
import type { ForgeSiteInputs } from "./rules";
import { siteProgress } from "./state";

/** Forge installs a site (user, nginx, clone) in well under a minute; ten minutes means it is stuck. */
export const SITE_INSTALL_TIMEOUT_MS = 10 * 60_000;
/** Removal is quicker than installation, but shares its worst case. */
export const SITE_REMOVAL_TIMEOUT_MS = 10 * 60_000;

export interface TaggedSite {
  site: Site;
  /** Tag names, from `include=tags`. */
  tags: string[];
}

/**
 * Sites on `serverId` whose name contains `name`, each with its tag names. Get-site takes no `include`, so tags are
 * only readable through the list: `relationships.tags` holds tag ids and `included` the `tags` resources naming them.
 */
export function listTaggedSites(client: ForgeClient, serverId: number, name: string): Paginated<TaggedSite> {
  return new Paginated(async (cursor) => {
    const body = await client.send({
      operation: "organizations.servers.sites.index",
      params: { server: serverId },
      query: { "filter[name]": name, include: "tags", "page[cursor]": cursor ?? undefined },
    });
    const page = decodePage(body, "sites");
    const tagNames = includedTagNames(body);
    const items = page.items.map((resource) => {
      const ids = resource.relationships.tags;
      const tags = (Array.isArray(ids) ? ids : []).flatMap((id) => tagNames.get(id) ?? []);
      return { site: toSite(resource), tags };
    });
    return { items, nextCursor: page.nextCursor };
  });
}

/** Tag id to name, from a document's `included` array; other included types are skipped. */
function includedTagNames(body: unknown): Map<number, string> {
  const names = new Map<number, string>();
  const included = isRecord(body) && Array.isArray(body.included) ? body.included : [];
  for (const item of included) {
    if (!isRecord(item) || item.type !== "tags" || !isRecord(item.attributes)) continue;
    const id = typeof item.id === "string" && /^\d+$/.test(item.id) ? Number(item.id) : null;
    if (id !== null && typeof item.attributes.name === "string") names.set(id, item.attributes.name);
  }
  return names;
}

/** The site named exactly `domain` on `serverId` (the name filter matches partially), with its tags. */
export function findTaggedSite(client: ForgeClient, serverId: number, domain: string): Promise<TaggedSite | undefined> {
  return listTaggedSites(client, serverId, domain).find(({ site }) => site.name === domain);
}

/** The site named exactly `inputs.domain` that carries this stack's tag, or `undefined`. */
export async function findOwnSite(client: ForgeClient, inputs: Pick<ForgeSiteInputs, "serverId" | "domain" | "ownerTag">): Promise<Site | undefined> {
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
 * Polls the site until Forge reports it and its repository installed and, with `inputs`, every in-place field as
 * `inputs` asks. Throws `ForgeSiteFailedError` as soon as Forge reports the site failed, and a timeout naming the site
 * and its last status after `timeoutMs`.
 */
export function waitForSiteReady(
  client: ForgeClient,
  site: Pick<Site, "id" | "name">,
  inputs: ForgeSiteInputs | null,
  timeoutMs = SITE_INSTALL_TIMEOUT_MS,
): Promise<Site> {
  return client.waitFor(async () => siteProgress(await client.sites.get(site.id), inputs), {
    what: `Forge site ${site.id} (${site.name}) to be ${inputs === null ? "installed" : "installed with the requested settings"}`,
    timeoutMs,
    ...pollPacing(),
  });
}

/** Polls until get-site answers 404. */
export function waitForSiteGone(client: ForgeClient, siteId: number, domain: string, timeoutMs = SITE_REMOVAL_TIMEOUT_MS): Promise<void> {
  return waitUntilGone(client, () => client.sites.get(siteId), { subject: `Forge site ${siteId} (${domain})`, timeoutMs });
}
