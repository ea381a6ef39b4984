/**
 * RedisDbSlot (`forge:RedisDbSlot`): one Redis database index on the Forge server for a preview, so previews never
 * share keys with production or with each other. The claim lives in Redis itself (see `providers/redis/slot-registry`),
 * reached through an SSH forwarded channel to the server's Redis; the SSH target and the optional `redisPassword` are
 * read from stack config at call time.
 *
 * - create: claims the lowest free database in `firstSlot`-`lastSlot`, or adopts the one this stack already holds.
 * - read: the claim gone, or held by another stack, drops the resource from state.
 * - delete: empties the database and releases the claim, only while this stack holds it; another stack's database is
 *   never touched.
 */
import { previewCommand } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import { type ProviderImplementation, dynamicResourceClass, pureCheckAndDiff, readStackConfig } from "../runtime";
import { type RedisOnServer, describeClaim, findClaim, claimSlot, releaseSlot, withRedisOverSsh } from "../redis";
import type { RedisDbSlotInputs, RedisDbSlotOutputs } from "./rules";
import { checkRedisDbSlotInputs, diffRedisDbSlot, isSlotInside } from "./rules";
import { sshTargetFromStackConfig } from "../ssh";
import { UserError } from "../common/user-error";

export type { RedisDbSlotInputs, RedisDbSlotOutputs } from "./rules";

export type RedisDbSlotArgs = {
  /** The Pulumi stack that owns the claim, normally `pulumi.getStack()`. */
  stack: pulumi.Input<string>;
  app: pulumi.Input<string>;
  pr: pulumi.Input<number>;
  /** @default 2 */
  firstSlot?: pulumi.Input<number>;
  /** @default 15 */
  lastSlot?: pulumi.Input<number>;
  /** Redis as the Forge server sees it. @default "127.0.0.1" */
  redisHost?: pulumi.Input<string>;
  /** @default 6379 */
  redisPort?: pulumi.Input<number>;
};

function redisOnServer(inputs: Pick<RedisDbSlotInputs, "redisHost" | "redisPort">): RedisOnServer {
  const password = readStackConfig("redisPassword");
  return { host: inputs.redisHost, port: inputs.redisPort, ...(password ? { password } : {}) };
}

function slotOf(id: string, props: Partial<RedisDbSlotOutputs>): number {
  const slot = typeof props.slot === "number" ? props.slot : Number(id);
  if (!Number.isInteger(slot) || slot < 0) {
    throw new Error(`RedisDbSlot id \`${id}\` is not a Redis database index; run ${previewCommand("refresh")}`);
  }
  return slot;
}

export const provider: ProviderImplementation<RedisDbSlotInputs, RedisDbSlotOutputs> = {
  ...pureCheckAndDiff(checkRedisDbSlotInputs, diffRedisDbSlot),

  async create(inputs) {
    const { slot, claim } = await withRedisOverSsh(sshTargetFromStackConfig(), redisOnServer(inputs), (redis) =>
      claimSlot(redis, inputs),
    );
    const outs: RedisDbSlotOutputs = { ...inputs, slot, claimedAt: claim.claimedAt };
    return { id: String(slot), outs };
  },

  async read(id, props) {
    const slot = slotOf(id, props);
    const claim = await withRedisOverSsh(sshTargetFromStackConfig(), redisOnServer(props), (redis) =>
      findClaim(redis, slot),
    );
    if (claim === null || claim.stack !== props.stack) return { id: "" };
    return { id, props: { ...props, slot, claimedAt: claim.claimedAt } satisfies RedisDbSlotOutputs };
  },

  async update(id, olds, news) {
    const slot = slotOf(id, olds);
    if (!isSlotInside(slot, news)) {
      // diff replaces in this case; reaching here means the engine was told otherwise.
      throw new Error(
        `Redis database ${slot} is outside ${news.firstSlot}-${news.lastSlot}; this change needs a replacement`,
      );
    }
    const claim = await withRedisOverSsh(sshTargetFromStackConfig(), redisOnServer(news), (redis) =>
      findClaim(redis, slot),
    );
    if (claim === null || claim.stack !== news.stack) {
      throw new UserError(
        `Redis database ${slot} is no longer held by stack ${news.stack} (${claim === null ? "nobody holds it" : `held by ${describeClaim(claim)}`}); ` +
          `run ${previewCommand("refresh", news)} (or \`up\` again, which refreshes first) so it is claimed again`,
      );
    }
    return { outs: { ...news, slot, claimedAt: claim.claimedAt } satisfies RedisDbSlotOutputs };
  },

  async delete(id, props) {
    const slot = slotOf(id, props);
    const released = await withRedisOverSsh(sshTargetFromStackConfig(), redisOnServer(props), (redis) =>
      releaseSlot(redis, slot, props.stack),
    );
    if (released.outcome === "foreign") {
      void pulumi.log.warn(
        `redis-db-slot: database ${slot} is held by ${describeClaim(released.claim)}, not stack ${props.stack}; ` +
          "left it and its keys alone",
      );
    }
  },
};

export class RedisDbSlot extends dynamicResourceClass<RedisDbSlotInputs, RedisDbSlotOutputs, RedisDbSlotArgs>({
  implementation: "providers/redis-db-slot",
  type: ["forge", "RedisDbSlot"],
  createdOutputs: { slot: true, claimedAt: true },
}) {}
