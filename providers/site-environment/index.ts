/**
 * `forge:SiteEnvironment`: the keys this stack manages in a Forge site's `.env`. Forge only replaces the file whole,
 * so every write reads the file, changes the managed keys and writes it back, keeping every other line as it was.
 */
import { RUN_UP_AGAIN } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import { mergeDotenv, removeDotenvKeys } from "../common/dotenv";
import { ForgeNotFoundError } from "../forge";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig, pureCheckAndDiff } from "../runtime";
import { type SiteRef, describeSite, parseSiteDotenv, readSiteDotenv, writeSiteDotenv } from "./forge";
import {
  type SiteEnvironmentInputs,
  type SiteEnvironmentOutputs,
  checkSiteEnvironmentInputs,
  diffSiteEnvironment,
  keysNoLongerManaged,
  managedKeysFor,
  managedValuesFor,
  observeManagedKeys,
  resolveAppKey,
  sha256Hex,
} from "./rules";
import { UserError } from "../common/user-error";

export type { SiteEnvironmentInputs, SiteEnvironmentOutputs } from "./rules";

function environmentId({ serverId, siteId }: SiteRef): string {
  return `servers/${serverId}/sites/${siteId}/environment`;
}

/**
 * Writes `values` (with the effective APP_KEY) into the site's file and drops `removed`. Skips the write when the
 * file already says exactly that. Any failure once the write was sent is a partial failure: the file may have
 * changed, so the state must keep the resource (and its managed keys) for a later update or delete.
 */
async function applyManagedKeys(
  inputs: SiteEnvironmentInputs,
  appKey: string,
  removed: readonly string[],
  missingSiteHint: string,
): Promise<{ id: string; outs: SiteEnvironmentOutputs }> {
  const client = forgeClientFromStackConfig();
  const site: SiteRef = { serverId: inputs.serverId, siteId: inputs.siteId };
  const current = await readSiteDotenv(client, site);
  if (current === null) {
    throw new UserError(`${describeSite(site)} does not exist, so its .env cannot be written; ${missingSiteHint}`);
  }
  parseSiteDotenv(current, site);
  const managed = managedValuesFor(inputs.values, appKey);
  const stripped = removed.length > 0 ? removeDotenvKeys(current, removed) : current;
  const next = mergeDotenv(stripped, managed);
  const id = environmentId(site);
  const outs: SiteEnvironmentOutputs = {
    serverId: inputs.serverId,
    siteId: inputs.siteId,
    values: inputs.values,
    managedKeys: managedKeysFor(inputs.values),
    appKey,
    contentSha256: sha256Hex(next),
  };
  if (next === current) {
    void pulumi.log.info(
      `site-environment: the .env of ${describeSite(site)} already holds the ${outs.managedKeys.length} managed keys`,
    );
    return { id, outs };
  }
  try {
    await writeSiteDotenv(client, site, next, { set: managed, removed });
  } catch (error) {
    throw partialFailure(id, { ...outs }, error);
  }
  void pulumi.log.info(
    `site-environment: wrote ${outs.managedKeys.length} managed keys to the .env of ${describeSite(site)}` +
      (removed.length > 0 ? ` and removed ${removed.join(", ")}` : ""),
  );
  return { id, outs };
}

export const provider: ProviderImplementation<SiteEnvironmentInputs, SiteEnvironmentOutputs> = {
  ...pureCheckAndDiff(checkSiteEnvironmentInputs, diffSiteEnvironment),

  async create(inputs) {
    const appKey = resolveAppKey(inputs.values, null);
    return applyManagedKeys(inputs, appKey, [], "create the site first (ForgeSite) and pass its id as `siteId`");
  },

  async update(_id, olds, news) {
    const appKey = resolveAppKey(news.values, olds);
    const { outs } = await applyManagedKeys(
      news,
      appKey,
      keysNoLongerManaged(olds, news.values),
      `${RUN_UP_AGAIN}: it refreshes first, so the site is recreated`,
    );
    return { outs };
  },

  async read(id, props) {
    const site: SiteRef = { serverId: props.serverId, siteId: props.siteId };
    const text = await readSiteDotenv(forgeClientFromStackConfig(), site);
    if (text === null) return { id: "" };
    return { id, props: { ...props, ...observeManagedKeys(parseSiteDotenv(text, site), text, props) } };
  },

  async delete(_id, props) {
    const client = forgeClientFromStackConfig();
    const site: SiteRef = { serverId: props.serverId, siteId: props.siteId };
    const current = await readSiteDotenv(client, site);
    if (current === null) return;
    parseSiteDotenv(current, site);
    const keys = managedKeysFor(props.values ?? {}).concat(props.managedKeys ?? []);
    const next = removeDotenvKeys(current, keys);
    if (next === current) return;
    try {
      await writeSiteDotenv(client, site, next, { set: {}, removed: [...new Set(keys)] });
    } catch (error) {
      // The site went away while this ran: its .env went with it.
      if (error instanceof ForgeNotFoundError) return;
      throw error;
    }
    void pulumi.log.info(`site-environment: removed the managed keys from the .env of ${describeSite(site)}`);
  },
};

/**
 * The managed part of a site's `.env`. `values` is stored as a secret (it holds DB_PASSWORD), and so is the APP_KEY
 * this resource generates once per environment unless `values` sets one.
 */
export class SiteEnvironment extends dynamicResourceClass<SiteEnvironmentInputs, SiteEnvironmentOutputs>({
  implementation: "providers/site-environment",
  type: ["forge", "SiteEnvironment"],
  createdOutputs: { managedKeys: true, appKey: true, contentSha256: true },
  secretInputs: ["values"],
  secretOutputs: ["appKey"],
}) {}
