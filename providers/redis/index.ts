/** Redis on the Forge server, reached through an SSH forwarded channel, and the registry of preview database slots. */
export { RedisReplyError, RespParser, RespProtocolError, type RespValue, encodeCommand } from "./resp";
export { RedisCommandError, RespClient, type RespClientOptions } from "./resp-client";
export { type RedisOnServer, withRedisOverSsh } from "./over-ssh";
export {
  type ClaimRequest,
  type ClaimResult,
  type RegistryOptions,
  type ReleaseOutcome,
  claimSlot,
  findClaim,
  listClaims,
  releaseSlot,
} from "./slot-registry";
export {
  type BlockedSlot,
  RedisSlotInvalidError,
  RedisSlotOutsideRangeError,
  RedisSlotsExhaustedError,
  SLOT_CLAIMS_DB,
  SLOT_CLAIMS_KEY,
  type SlotClaim,
  describeClaim,
  parseClaim,
  serializeClaim,
} from "./slot-claims";
