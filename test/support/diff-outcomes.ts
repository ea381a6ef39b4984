import type { DiffOutcome, DynamicHost } from "./dynamic-host";
import { type ForgeProviderHost, preview } from "./provider-host";

type Props = Record<string, unknown>;

/** Diff's answer when the inputs match the state. */
export const NO_CHANGES: Readonly<DiffOutcome> = { changes: "none", replaces: [], deleteBeforeReplace: false };

/** Diff's answer for a change the provider makes in place. */
export const IN_PLACE: Readonly<DiffOutcome> = { changes: "some", replaces: [], deleteBeforeReplace: false };

/** Diff's answer for a change that replaces the object because of `replaces`, the old one deleted first or last. */
export function replacing(replaces: string[], order: "delete-first" | "create-first"): DiffOutcome {
  return { changes: "some", replaces, deleteBeforeReplace: order === "delete-first" };
}

/**
 * Previews as {@link preview} does, expecting what a preview of unknown values must give: no check failure, the checked
 * inputs matching `expected.inputs` (when given), diff's answer `expected.diff`, and no request to Forge.
 */
export async function expectPreviewWithoutForge(
  fixture: ForgeProviderHost,
  id: string,
  olds: Props,
  news: Props,
  expected: { diff: DiffOutcome; inputs?: Props },
  host: DynamicHost = fixture.host,
): Promise<void> {
  const { checked, diffed, forgeRequests } = await preview(fixture, id, olds, news, host);

  expect(checked.failures).toStrictEqual([]);
  if (expected.inputs !== undefined) expect(checked.inputs).toMatchObject(expected.inputs);
  expect(diffed).toStrictEqual(expected.diff);
  expect(forgeRequests).toStrictEqual([]);
}
