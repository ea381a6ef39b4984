/**
 * `forge:Site`: one preview's Forge site, isolated under its own Linux user, cloned from the PR branch, with
 * push-to-deploy as `pushToDeploy` says (previews turn it off: the pipeline deploys). The site carries `ownerTag` as a
 * Forge tag; that tag is what lets this stack adopt it after lost state. `delete` needs the id in the state and the
 * exact name instead, since Forge may apply tags late or never.
 */
import { RUN_UP_AGAIN } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import {
  type CreateOutcome,
  type ForgeClient,
  ForgeNotFoundError,
  ForgeValidationError,
  type Site,
  createOrFindAfterLostAnswer,
} from "../forge";
import {
  type ForgeSiteInputs,
  type ForgeSiteOutputs,
  type ForgeSiteSourceControl,
  checkForgeSiteInputs,
  diffForgeSite,
} from "./rules";
import { findCreatedSite, findTaggedSite, getSiteOrUndefined, waitForSiteGone, waitForSiteReady } from "./forge";
import * as siteState from "./state";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig, pureCheckAndDiff } from "../runtime";
import { UserError } from "../common/user-error";

export type { ForgeSiteInputs, ForgeSiteOutputs } from "./rules";

export type ForgeSiteArgs = {
  [K in Exclude<keyof ForgeSiteInputs, "sourceControlProvider">]: pulumi.Input<ForgeSiteInputs[K]>;
} & {
  /** @default "github" */
  sourceControlProvider?: pulumi.Input<ForgeSiteSourceControl>;
};

function log(message: string): void {
  void pulumi.log.info(`forge-site: ${message}`);
}

function siteIdOf(id: string): number {
  const siteId = Number(id);
  if (!Number.isSafeInteger(siteId) || siteId <= 0) {
    throw new Error(
      `forge-site: the state holds \`${id}\` as the site id; expected a Forge site id (a positive integer)`,
    );
  }
  return siteId;
}

/**
 * Waits for `site` to be installed, brings its in-place fields to `inputs` (one PUT of those that differ, then a wait
 * until Forge reports them) and returns the outputs. Any failure here leaves a site that exists, so it is reported as
 * a partial failure that keeps the id in the state, where `destroy` can still find it. `previous` (an update) also
 * says the site was installed before, so a `failed` status there comes from a deployment, not the install.
 */
async function settle(
  client: ForgeClient,
  site: Site,
  inputs: ForgeSiteInputs,
  previous?: ForgeSiteInputs,
): Promise<ForgeSiteOutputs> {
  const installedBefore = previous !== undefined;
  try {
    // Forge applies create-time settings during the install, so compare only once it is done. Where Forge does not
    // echo push-to-deploy (null), the previous inputs say whether it is being changed.
    const installed = await waitForSiteReady(client, site, null, undefined, installedBefore);
    const changes = siteState.updateSiteParams(installed, inputs, previous);
    if (Object.keys(changes).length === 0) return siteState.outputsFor(inputs, installed);
    log(`updating ${Object.keys(changes).join(", ")} of site ${site.id} (${site.name})`);
    await client.sites.update(inputs.serverId, site.id, changes);
    return siteState.outputsFor(inputs, await waitForSiteReady(client, site, inputs, undefined, true));
  } catch (error) {
    throw partialFailure(String(site.id), siteState.outputsFor(inputs, site), error);
  }
}

/** The existing site to adopt, or `undefined` to create one; refuses sites this stack does not own. */
async function adoptable(client: ForgeClient, inputs: ForgeSiteInputs): Promise<Site | undefined> {
  const found = await findTaggedSite(client, inputs.serverId, inputs.domain);
  if (found === undefined) return undefined;
  const { site, tags } = found;
  if (!tags.includes(inputs.ownerTag)) throw new UserError(siteState.foreignSiteMessage(site, inputs));
  if (site.status === "removing" || site.status === "uninstalling") {
    log(`site ${site.id} (${site.name}) is being removed; waiting to create it again`);
    await waitForSiteGone(client, site.id, site.name);
    return undefined;
  }
  const mismatches = siteState.identityMismatches(site, inputs);
  if (mismatches.length > 0) throw new UserError(siteState.mismatchedSiteMessage(site, mismatches));
  return site;
}

/**
 * Creates the site (adopting it when the answer is lost or empty, see `findCreatedSite`). When Forge refuses the
 * isolated user, which a deleted site may have left behind, it asks again with the next name `isolatedUserChoice`
 * gives, so a replace or a re-preview after `destroy` does not fail on the old user.
 */
async function createSite(client: ForgeClient, inputs: ForgeSiteInputs): Promise<CreateOutcome<Site>> {
  for (let choice = 0; ; choice++) {
    const user = siteState.isolatedUserChoice(inputs.isolatedUser, choice);
    try {
      return await createOrFindAfterLostAnswer({
        what: `site \`${inputs.domain}\` on server ${inputs.serverId}`,
        mark: `the tag \`${inputs.ownerTag}\` or its name, user and repository`,
        create: () =>
          client.sites.create(inputs.serverId, siteState.createSiteParams({ ...inputs, isolatedUser: user })),
        find: () => findCreatedSite(client, inputs),
      });
    } catch (error) {
      const refused = error instanceof ForgeValidationError && "isolated_user" in error.fieldErrors;
      if (!refused || choice + 1 >= siteState.ISOLATED_USER_CHOICES) throw error;
      log(`Forge refused the isolated user \`${user}\` (${error.message}); asking for the next free name`);
    }
  }
}

export const provider: ProviderImplementation<ForgeSiteInputs, ForgeSiteOutputs> = {
  ...pureCheckAndDiff(checkForgeSiteInputs, diffForgeSite),

  async create(inputs) {
    const client = forgeClientFromStackConfig();
    const existing = await adoptable(client, inputs);
    if (existing !== undefined) {
      log(`adopting site ${existing.id} (${existing.name}), which carries the tag ${inputs.ownerTag}`);
      const outs = await settle(client, existing, inputs);
      return { id: String(outs.siteId), outs };
    }
    log(`creating site ${inputs.domain} on server ${inputs.serverId}`);
    const { object: created, lost } = await createSite(client, inputs);
    if (lost !== null)
      log(
        `the answer to creating site ${inputs.domain} was lost (${lost.message}); found it as site ${created.id} and kept it`,
      );
    const outs = await settle(client, created, inputs);
    log(`site ${outs.siteId} (${outs.domain}) is installed`);
    return { id: String(outs.siteId), outs };
  },

  async read(id, props) {
    const site = await getSiteOrUndefined(forgeClientFromStackConfig(), siteIdOf(id));
    if (site === undefined) return { id: "" };
    return { id, props: siteState.outputsFromSite(site, props) };
  },

  async update(id, olds, news) {
    const client = forgeClientFromStackConfig();
    let site: Site;
    try {
      site = await client.sites.get(siteIdOf(id));
    } catch (error) {
      if (!(error instanceof ForgeNotFoundError)) throw error;
      throw new UserError(
        `Forge site ${id} (${news.domain}) no longer exists; ${RUN_UP_AGAIN}: it refreshes first, then recreates the site.`,
      );
    }
    return { outs: await settle(client, site, news, olds) };
  },

  async delete(id, props) {
    const siteId = siteIdOf(id);
    const client = forgeClientFromStackConfig();
    const found = await findTaggedSite(client, props.serverId, props.domain);
    if (found === undefined || found.site.id !== siteId) {
      const site = await getSiteOrUndefined(client, siteId);
      if (site === undefined) return;
      throw new UserError(
        `Refusing to delete Forge site ${siteId}: it is not \`${props.domain}\` on server ${props.serverId} any more ` +
          `(Forge calls it \`${site.name}\`); remove it from the state with \`pulumi state delete\` and check it in Forge.`,
      );
    }
    // Owned: the state's id and the exact name prove it, whether or not Forge has applied the tag.
    if (found.site.status !== "removing" && found.site.status !== "uninstalling") {
      log(`deleting site ${siteId} (${props.domain})`);
      try {
        await client.sites.delete(props.serverId, siteId);
      } catch (error) {
        if (error instanceof ForgeNotFoundError) return;
        throw error;
      }
    }
    await waitForSiteGone(client, siteId, props.domain);
  },
};

/** A preview's Forge site; see `ForgeSiteInputs` for the arguments. Type token `forge:Site`. */
export class ForgeSite extends dynamicResourceClass<ForgeSiteInputs, ForgeSiteOutputs, ForgeSiteArgs>({
  implementation: "providers/forge-site",
  type: ["forge", "Site"],
  createdOutputs: { siteId: true, siteUser: true, siteDirectory: true, url: true, createdAt: true },
  defaults: { sourceControlProvider: "github" },
}) {}
