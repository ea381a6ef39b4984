/**
 * `forge:Preflight`: the first resource of a preview; every other one depends on it. Its create (and its update, when
 * a setting it checks changes) runs every check that needs no write (checks.ts): the Forge token and server, the SSH
 * host key, the master database, MySQL privileges and a free Redis database. A failed check fails this resource, so
 * the engine creates nothing else, under our CLI and under a plain `pulumi up` alike (issue #13). It owns nothing:
 * read keeps it, delete does nothing, and a no-change `up` leaves it `same` without a single call.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ProviderImplementation, dynamicResourceClass, pureCheckAndDiff } from "../runtime";
import { runPreflight } from "./checks";
import { type PreflightInputs, type PreflightOutputs, checkPreflightInputs, diffPreflight } from "./rules";

export type { PreflightInputs, PreflightOutputs } from "./rules";

async function checked(inputs: PreflightInputs): Promise<PreflightOutputs> {
  const findings = await runPreflight(inputs);
  for (const note of findings.notes) void pulumi.log.info(`preflight: ${note}`);
  for (const warning of findings.warnings) void pulumi.log.warn(`preflight: ${warning}`);
  return {
    ...inputs,
    checkedAt: new Date().toISOString(),
    serverName: findings.serverName,
    masterSealedAt: findings.masterSealedAt,
    masterDataAsOf: findings.masterDataAsOf,
    redisSlot: findings.redisSlot,
  };
}

export const provider: ProviderImplementation<PreflightInputs, PreflightOutputs> = {
  ...pureCheckAndDiff(checkPreflightInputs, diffPreflight),

  async create(inputs) {
    return { id: `preflight/${inputs.stack}`, outs: await checked(inputs) };
  },

  async read(id, props) {
    return { id, props };
  },

  async update(_id, _olds, news) {
    return { outs: await checked(news) };
  },

  async delete() {
    // Nothing was created.
  },
};

export class Preflight extends dynamicResourceClass<PreflightInputs, PreflightOutputs>({
  implementation: "providers/preflight",
  type: ["forge", "Preflight"],
  createdOutputs: { checkedAt: true, serverName: true, masterSealedAt: true, masterDataAsOf: true, redisSlot: true },
}) {}
