/** Redis on the Forge server, reached through an SSH forwarded channel, and the registry of preview database slots. */
export * from "./resp";
export * from "./resp-client";
export * from "./over-ssh";
export * from "./slot-registry";
export * from "./slot-claims";
