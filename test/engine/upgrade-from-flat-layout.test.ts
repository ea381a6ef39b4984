// A preview created before the providers moved into one folder per resource must still refresh, re-run and destroy.
// Such a stack's state holds the serialized shims of that layout (test/fixtures/previous-layout/, captured from the
// last commit before the move): each names `providers/provider-kit` as its host entry and `providers/<kind>` as its
// implementation. The test puts those texts into a live stack's state and drives it with the current code.
import { readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";

import type { OperationReport } from "./engine-json";
import * as previews from "./preview-workspace";

jest.setTimeout(300_000);

const STACK = "pr-321";
const names = previews.sandboxPreviewNames(321);
const FIXTURE = path.join(__dirname, "..", "fixtures", "previous-layout", "serialized-providers.json");

type Json = Record<string, unknown>;

/** The module a serialized shim loads, read from its text. */
function implementationModuleOf(text: string): string {
  const match = /implementationModule: "([^"]+)"/.exec(text);
  if (!match) throw new Error("a serialized provider without implementationModule");
  return match[1];
}

describe("a preview stack written by the flat providers/ layout", () => {
  let engine: previews.PreviewEngine;
  let previous: Record<string, string>;
  const siteIds = new Set<number>();

  /** Rewrites every `__provider` in the stack's state to the previous layout's text; returns how many it rewrote. */
  async function restorePreviousShims(): Promise<number> {
    const exported = JSON.parse((await engine.workspace.run(["stack", "export", "--stack", STACK])).stdout) as Json;
    const resources = ((exported.deployment as Json).resources ?? []) as Json[];
    let rewritten = 0;
    for (const resource of resources) {
      for (const bag of [resource.inputs, resource.outputs] as Array<Json | undefined>) {
        const current = bag?.__provider;
        if (bag === undefined || typeof current !== "string") continue;
        // A resource added since (the preflight) has no previous text: an old stack gets it on its first `up`.
        const old = previous[implementationModuleOf(current)];
        if (old === undefined) continue;
        bag.__provider = old;
        rewritten += 1;
      }
    }
    const file = path.join(engine.workspace.root, "previous-layout-state.json");
    await writeFile(file, JSON.stringify(exported));
    await engine.workspace.run(["stack", "import", "--stack", STACK, "--file", file]);
    return rewritten;
  }

  /** `operation` (a refresh or an up of the stack) leaves every resource the same and sends Forge no write. */
  async function expectUnchangedWithoutForgeWrites(operation: () => Promise<OperationReport>): Promise<void> {
    const before = engine.sim.requests.length;

    const report = await operation();

    expect(report.changes).toEqual({
      same: previews.managedResources(await engine.workspace.stackExport(STACK)).length,
    });
    expect(previews.forgeWrites(engine.sim.requests.slice(before))).toEqual([]);
  }

  async function shimTextsInState(): Promise<string[]> {
    const resources = await engine.workspace.stackExport(STACK);
    return resources
      .flatMap((r) => [r.inputs.__provider, r.outputs.__provider])
      .filter((t): t is string => typeof t === "string");
  }

  beforeAll(async () => {
    previous = JSON.parse(await readFile(FIXTURE, "utf8")) as Record<string, string>;
    engine = await previews.startPreviewEngine();
    await engine.initStack(STACK, previews.ENGINE_TEST_SLOTS);
    await engine.workspace.up(STACK);
    for (const site of engine.sim.state().sites.filter((s) => s.name === names.domain)) siteIds.add(site.id);
  });

  afterAll(async () => {
    await engine?.dispose();
  });

  it("still declares every dynamic resource the previous layout wrote into state", async () => {
    const modules = new Set((await shimTextsInState()).map(implementationModuleOf));

    expect(Object.keys(previous).length).toBeGreaterThan(5);
    for (const module of Object.keys(previous)) {
      if (module === "providers/master-snapshot") continue; // the snapshots stack's, not a preview's
      expect(modules).toContain(module);
    }
    for (const text of Object.values(previous))
      expect(text).toContain('path.resolve(process.cwd(), "providers/provider-kit")');
  });

  it("refreshes with the previous shims in state, finding every object and writing nothing to Forge", async () => {
    expect(await restorePreviousShims()).toBeGreaterThan(5);
    const texts = await shimTextsInState();
    for (const text of texts.filter((t) => implementationModuleOf(t) in previous))
      expect(Object.values(previous)).toContain(text);
    await expectUnchangedWithoutForgeWrites(() => engine.workspace.refresh(STACK));
  });

  it("runs a no-change `up` over the previous shims without a Forge write", async () => {
    await expectUnchangedWithoutForgeWrites(() => engine.workspace.up(STACK));
  });

  it("destroys everything through the previous shims, leaving nothing in Forge, MariaDB or Redis", async () => {
    await restorePreviousShims();
    const resourceCount = previews.managedResources(await engine.workspace.stackExport(STACK)).length;

    const report = await engine.workspace.destroy(STACK);

    expect(report.changes).toEqual({ delete: resourceCount });
    expect(await engine.workspace.stackExport(STACK)).toEqual([]);
    await previews.expectNothingLeft(engine, names, siteIds);
  });
});
