import type { DiffOutcome } from "./dynamic-host";

/** Diff's answer when the inputs match the state. */
export const NO_CHANGES: Readonly<DiffOutcome> = { changes: "none", replaces: [], deleteBeforeReplace: false };

/** Diff's answer for a change the provider makes in place. */
export const IN_PLACE: Readonly<DiffOutcome> = { changes: "some", replaces: [], deleteBeforeReplace: false };

/** Diff's answer for a change that replaces the object because of `replaces`, the old one deleted first or last. */
export function replacing(replaces: string[], order: "delete-first" | "create-first"): DiffOutcome {
  return { changes: "some", replaces, deleteBeforeReplace: order === "delete-first" };
}
