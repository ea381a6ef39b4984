// Problems that can be found without creating anything fail a preview's first `up` before its first Forge write,
// under the real engine (issue #13): a wrong SSH host key, a master database that does not exist, and a NUL in an
// app's env override. Each leaves nothing on the simulator, in MariaDB or in Redis, and `destroy` then succeeds.
import { SANDBOX_APP, type StackConfigValue } from "../../tools/sandbox/embedded-default";
import type { PreviewNames } from "../../stacks/naming";
import {
  ENGINE_TEST_SLOTS,
  expectNothingLeft,
  forgeWrites,
  sandboxPreviewNames,
  usePreviewEngine,
} from "./preview-workspace";

jest.setTimeout(240_000);

const engine = usePreviewEngine();
const namesOf = sandboxPreviewNames;

/** The sandbox app's config with `change` applied to it. */
function appsWith(change: Record<string, unknown>): StackConfigValue {
  const apps = engine.embedded.stackConfig.apps?.objectValue as Record<string, Record<string, unknown>>;
  const value = { ...apps, [SANDBOX_APP]: { ...apps[SANDBOX_APP], ...change } };
  return { value: JSON.stringify(value), objectValue: value };
}

/** Nothing of the stack on Forge, in MariaDB or in Redis. */
async function expectNothingOf(names: PreviewNames): Promise<void> {
  await expectNothingLeft(engine, names);
}

/** `up` fails with `message`, sends Forge no write, and leaves nothing; `destroy` then succeeds and leaves nothing. */
async function expectRefusedBeforeAnyWrite(
  names: PreviewNames,
  overrides: Record<string, StackConfigValue>,
  message: RegExp,
): Promise<{ requests: string[]; errors: string }> {
  await engine.initStack(names.stack, { ...ENGINE_TEST_SLOTS, ...overrides });
  const before = engine.sim.requests.length;

  const failure = await engine.failing("up", names.stack);

  expect(failure.errors).toMatch(message);
  const requests = engine.sim.requests.slice(before);
  expect(forgeWrites(requests)).toEqual([]);
  await expectNothingOf(names);
  // The failed `up` recorded the stack and its component, and no resource of ours.
  const recorded = (await engine.workspace.stackExport(names.stack))
    .map((r) => r.type)
    .filter((type) => type.startsWith("pulumi-nodejs:dynamic/"));
  expect(recorded).toEqual([]);

  await engine.workspace.destroy(names.stack);
  expect(await engine.workspace.stackExport(names.stack)).toEqual([]);
  await expectNothingOf(names);
  await engine.workspace.stackRemove(names.stack);
  return { requests: requests.map((r) => `${r.method} ${r.path}`), errors: failure.errors };
}

describe("the preflight of a preview's first `up`", () => {
  it("refuses a wrong sshHostKeyFingerprint before any Forge write, naming the key it expected and the one it saw", async () => {
    const wrong = "SHA256:" + "W".repeat(43);
    const names = namesOf(301);

    await expectRefusedBeforeAnyWrite(
      names,
      { sshHostKeyFingerprint: { value: wrong } },
      new RegExp(
        `Preflight of stack pr-301 failed[^]*ssh host key: SSH host key of [^ ]+ does not match: expected ${wrong.replace(/[+/]/g, "\\$&")}`,
      ),
    );
  });

  it("refuses a masterDatabase that does not exist before any Forge write, with the command that creates it", async () => {
    const names = namesOf(302);

    await expectRefusedBeforeAnyWrite(
      names,
      { apps: appsWith({ masterDatabase: "demo_missing_master" }) },
      /Preflight of stack pr-302 failed[^]*master database: `demo_missing_master` does not exist on the server[^]*pulumi up -s snapshots/,
    );
  });

  it("refuses a NUL character in an app's env value before the program registers anything, naming the key and not the value", async () => {
    const names = namesOf(303);
    const value = "nul-carrier-7c1e\u0000tail";

    const { requests, errors } = await expectRefusedBeforeAnyWrite(
      names,
      { apps: appsWith({ env: { MAIL_FROM_NAME: value } }) },
      /`forge-previews:apps\.demo\.env\.MAIL_FROM_NAME` contains a NUL character/,
    );

    // Refused by the configuration, so Forge was not even asked.
    expect(requests).toEqual([]);
    // The engine's prelude lists the plain config as it was set; the refusal itself names only the key.
    expect(errors).not.toContain("nul-carrier-7c1e");
  });
});
