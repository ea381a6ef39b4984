/**
 * Reading and writing a site's `.env` through Forge. The text is secret as a whole: nothing here logs it or puts it
 * (or any value from it) in an error; messages name the site and, at most, a key.
 */
import { DotenvSyntaxError, parseDotenv } from "../common/dotenv";
import { type ForgeClient, ForgeNotFoundError, waitDone, waitFor, waitPending } from "../forge";
import { pollPacing } from "../runtime";
import { countPendingKeys } from "./rules";
import { UserError } from "../common/user-error";

export interface SiteRef {
  serverId: number;
  siteId: number;
}

/** Forge writes the file shortly after its 202; this is how long a write may take to become visible. */
const WRITE_VISIBLE_TIMEOUT_MS = 120_000;

export function describeSite({ serverId, siteId }: SiteRef): string {
  return `site ${siteId} on server ${serverId}`;
}

/** The site's `.env` text, or null when Forge answers 404 (the site, or its server, is gone). */
export async function readSiteDotenv(client: ForgeClient, site: SiteRef): Promise<string | null> {
  try {
    return await client.environment.get(site.serverId, site.siteId);
  } catch (error) {
    if (error instanceof ForgeNotFoundError) return null;
    throw error;
  }
}

/** Parses the file as phpdotenv would; a file it would refuse is reported by line and key, never by value. */
export function parseSiteDotenv(text: string, site: SiteRef): Map<string, string> {
  try {
    return parseDotenv(text);
  } catch (error) {
    if (error instanceof DotenvSyntaxError) {
      throw new UserError(
        `The .env of ${describeSite(site)} cannot be read the way Laravel reads it: ${error.message} ` +
          "Fix the file in Forge (the site's Environment tab), then run again.",
      );
    }
    throw error;
  }
}

export interface ExpectedKeys {
  /** Keys that must hold exactly these values once the write is visible. */
  set: Readonly<Record<string, string>>;
  /** Keys that must be gone. */
  removed: readonly string[];
}

/**
 * Replaces the whole `.env` with `text` and waits, re-reading, until the file holds the `expected` keys. The check
 * compares parsed values rather than bytes, so a server that normalises line endings or a trailing newline does not
 * stall it; a timeout names the site and how many keys were still pending, never their values.
 */
export async function writeSiteDotenv(
  client: ForgeClient,
  site: SiteRef,
  text: string,
  expected: ExpectedKeys,
): Promise<void> {
  await client.environment.update(site.serverId, site.siteId, { content: text });
  const total = Object.keys(expected.set).length + expected.removed.length;
  await waitFor(
    async () => {
      const current = await client.environment.get(site.serverId, site.siteId);
      const pending = countPendingKeys(parseSiteDotenv(current, site), expected.set, expected.removed);
      return pending === 0 ? waitDone(undefined) : waitPending(`${pending} of ${total} managed keys not written yet`);
    },
    {
      what: `the .env of ${describeSite(site)} to show the keys just written`,
      timeoutMs: WRITE_VISIBLE_TIMEOUT_MS,
      ...pollPacing(),
    },
  );
}
