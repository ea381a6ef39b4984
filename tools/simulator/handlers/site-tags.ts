import * as crypto from "crypto";
import { iso, type JsonApiResource } from "../json-api";
import type { SiteRecord } from "../types";

/**
 * Site tags as `include=tags` shows them. Forge keeps tags as organization-wide objects that a site refers to by id
 * (`relationships.tags.data`), with the names in `included` `TagResource`s. The simulator only keeps each site's tag
 * names, so a tag's id is derived from its name: stable, and the same for every site carrying that name.
 */
export function tagIdOf(name: string): string {
  const digest = crypto.createHash("sha256").update(name).digest("hex");
  return String(Number.parseInt(digest.slice(0, 7), 16) + 1);
}

/** `relationships.tags` of one site, given the tag names it shows. */
export function tagRelationship(tags: string[]): { data: Array<{ type: "tags"; id: string }> } {
  return { data: tags.map((name) => ({ type: "tags", id: tagIdOf(name) })) };
}

/** One `TagResource` per distinct tag `tagsOf` shows on `sites`, dated by the earliest of those sites that carries it. */
export function includedTags(sites: SiteRecord[], tagsOf: (site: SiteRecord) => string[]): JsonApiResource[] {
  const firstSeen = new Map<string, number>();
  for (const site of sites) {
    for (const name of tagsOf(site))
      firstSeen.set(name, Math.min(firstSeen.get(name) ?? site.createdAt, site.createdAt));
  }
  return [...firstSeen].map(([name, createdAt]) => {
    const tag = {
      id: tagIdOf(name),
      type: "tags",
      attributes: { name, created_at: iso(createdAt), updated_at: iso(createdAt) },
    };
    // TagResource has no `links` in the spec; the cast lets it join the other resources in `included`.
    return tag as unknown as JsonApiResource;
  });
}
