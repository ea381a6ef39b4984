/**
 * `forge:BasicAuth`: HTTP basic auth over a whole Forge site (a "security rule" without a path). The rule's name is
 * the ownership mark: create adopts a rule of that name on the site, and delete removes only a rule that still has it.
 */
import { RUN_UP_AGAIN } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import {
  type BasicAuthInputs,
  type BasicAuthOutputs,
  checkBasicAuthInputs,
  decideAdoption,
  diffBasicAuth,
  resolvePassword,
} from "./rules";
import { type RuleRef, describeRule, findRule, waitRuleGone, waitRuleInstalled } from "./forge";
import { type ForgeClient, ForgeNotFoundError, type SecurityRule, createOrFindAfterLostAnswer } from "../forge";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig, pureCheckAndDiff } from "../runtime";
import { UserError } from "../common/user-error";

export type { BasicAuthInputs, BasicAuthOutputs } from "./rules";

function describeSite({ serverId, siteId }: Pick<BasicAuthInputs, "serverId" | "siteId">): string {
  return `site ${siteId} on server ${serverId}`;
}

async function listRules(client: ForgeClient, inputs: BasicAuthInputs): Promise<SecurityRule[]> {
  try {
    return await client.securityRules.list(inputs.serverId, inputs.siteId).all();
  } catch (error) {
    if (error instanceof ForgeNotFoundError) {
      throw new UserError(
        `${describeSite(inputs)} does not exist, so basic auth cannot be put on it; create the site first (ForgeSite) ` +
          "and pass its id as `siteId`",
      );
    }
    throw error;
  }
}

/** Waits for the rule written just before; a failure from here on leaves a rule in Forge, so it keeps its id. */
async function settle(client: ForgeClient, outs: BasicAuthOutputs, verb: string): Promise<BasicAuthOutputs> {
  const ref: RuleRef = { serverId: outs.serverId, siteId: outs.siteId, ruleId: outs.ruleId };
  try {
    await waitRuleInstalled(client, ref);
  } catch (error) {
    throw partialFailure(String(outs.ruleId), { ...outs }, error);
  }
  void pulumi.log.info(`basic-auth: ${verb} ${describeRule(ref)} named ${JSON.stringify(outs.name)}`);
  return outs;
}

export const provider: ProviderImplementation<BasicAuthInputs, BasicAuthOutputs> = {
  ...pureCheckAndDiff(checkBasicAuthInputs, diffBasicAuth),

  async create(inputs) {
    const client = forgeClientFromStackConfig();
    const decision = decideAdoption(await listRules(client, inputs), inputs.name, describeSite(inputs));
    if (decision.kind === "refuse") throw new UserError(decision.reason);
    const { password, passwordGenerated } = resolvePassword(inputs.password, null);
    const credentials = [{ username: inputs.username, password }];
    let ruleId: number;
    let verb: string;
    if (decision.kind === "adopt") {
      ruleId = decision.rule.id;
      verb = "adopted";
      await client.securityRules.update(inputs.serverId, inputs.siteId, ruleId, {
        name: inputs.name,
        path: null,
        credentials,
      });
    } else {
      const { object: rule, lost } = await createOrFindAfterLostAnswer({
        what: `a security rule on ${describeSite(inputs)}`,
        mark: `its name ${JSON.stringify(inputs.name)}`,
        create: () => client.securityRules.create(inputs.serverId, inputs.siteId, { name: inputs.name, credentials }),
        find: async () => (await listRules(client, inputs)).find((candidate) => candidate.name === inputs.name),
      });
      ruleId = rule.id;
      verb = "installed";
      if (lost !== null) {
        verb = "recovered";
        void pulumi.log.info(
          `basic-auth: the answer to creating the rule was lost (${lost.message}); found rule ${ruleId} by its name`,
        );
        // Whatever made it, the rule ends with these credentials; it exists, so a failure keeps its id.
        try {
          await client.securityRules.update(inputs.serverId, inputs.siteId, ruleId, {
            name: inputs.name,
            path: null,
            credentials,
          });
        } catch (error) {
          const { serverId, siteId, name, username } = inputs;
          throw partialFailure(
            String(ruleId),
            { serverId, siteId, name, username, ruleId, password, passwordGenerated },
            error,
          );
        }
      }
    }
    const outs: BasicAuthOutputs = {
      serverId: inputs.serverId,
      siteId: inputs.siteId,
      name: inputs.name,
      username: inputs.username,
      ruleId,
      password,
      passwordGenerated,
    };
    return { id: String(ruleId), outs: await settle(client, outs, verb) };
  },

  async update(_id, olds, news) {
    const client = forgeClientFromStackConfig();
    const { password, passwordGenerated } = resolvePassword(news.password, olds);
    const ref: RuleRef = { serverId: olds.serverId, siteId: olds.siteId, ruleId: olds.ruleId };
    try {
      await client.securityRules.update(ref.serverId, ref.siteId, ref.ruleId, {
        name: news.name,
        path: null,
        credentials: [{ username: news.username, password }],
      });
    } catch (error) {
      if (error instanceof ForgeNotFoundError) {
        throw new UserError(
          `${describeRule(ref)} no longer exists; ${RUN_UP_AGAIN}: it refreshes first, then recreates it`,
        );
      }
      throw error;
    }
    const outs: BasicAuthOutputs = { ...ref, name: news.name, username: news.username, password, passwordGenerated };
    return { outs: await settle(client, outs, "updated") };
  },

  async read(id, props) {
    const rule = await findRule(forgeClientFromStackConfig(), {
      serverId: props.serverId,
      siteId: props.siteId,
      ruleId: props.ruleId,
    });
    if (rule === null) return { id: "" };
    // Forge never returns credentials, so only the name can drift visibly.
    return { id, props: { ...props, name: rule.name, ruleId: rule.id } };
  },

  async delete(_id, props) {
    const client = forgeClientFromStackConfig();
    const ref: RuleRef = { serverId: props.serverId, siteId: props.siteId, ruleId: props.ruleId };
    const rule = await findRule(client, ref);
    if (rule === null) return;
    if (rule.name !== props.name) {
      throw new UserError(
        `${describeRule(ref)} is now named ${JSON.stringify(rule.name)}, not ${JSON.stringify(props.name)}, so this ` +
          "stack no longer treats it as its own and will not delete it. Rename it back in Forge to let this stack " +
          "remove it, or delete it yourself and run `pulumi state delete` on this resource.",
      );
    }
    try {
      await client.securityRules.delete(ref.serverId, ref.siteId, ref.ruleId);
    } catch (error) {
      if (error instanceof ForgeNotFoundError) return;
      throw error;
    }
    await waitRuleGone(client, ref);
    void pulumi.log.info(`basic-auth: removed ${describeRule(ref)}`);
  },
};

/** HTTP basic auth over a whole site. `password: null` generates one per environment; the effective one is secret. */
export class BasicAuth extends dynamicResourceClass<BasicAuthInputs, BasicAuthOutputs>({
  implementation: "providers/basic-auth",
  type: ["forge", "BasicAuth"],
  createdOutputs: { ruleId: true, passwordGenerated: true },
  secretInputs: ["password"],
}) {}
