import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createProviderShim, dynamicResourceClass } from "../../../../providers/runtime";
import { serializedProviderEntry } from "../../../../providers/runtime/serialized-provider";
import { describeRegistration } from "../../../support/capture-provider";
import { installMocks, promiseOf } from "../../../support/mock-program";

// Module paths of this suite only: the process remembers each path's text, so each test takes its own.
const modulePath = (name: string): string => `test/fixtures/providers/serialized-${name}`;

function declare(implementation: string) {
  return dynamicResourceClass<{ note: string }, { note: string }>({
    implementation,
    type: ["forge", "SerializedNote"],
    createdOutputs: {},
  });
}

/** What each of the two classes registered, as the engine would receive it. */
async function registered(build: () => pulumi.CustomResource): Promise<{ type: string; text: string }> {
  const program = await installMocks();
  const resource = build();
  await promiseOf(resource.urn);
  const [registration] = program.registrations;
  return { type: registration!.type, text: describeRegistration(registration!).providerText };
}

class SdkNote extends pulumi.dynamic.Resource {}

const sdkText = (implementation: string): Promise<{ type: string; text: string }> =>
  registered(
    () => new SdkNote(createProviderShim(implementation), "note", { note: "n" }, {}, "forge", "SerializedNote"),
  );

const ourText = (implementation: string): Promise<{ type: string; text: string }> =>
  registered(() => new (declare(implementation))("note", { note: "n" }));

describe("the serialized provider a dynamic resource class registers", () => {
  afterAll(() => {
    for (const name of ["fresh", "cached"])
      rmSync(serializedProviderEntry(createProviderShim(modulePath(name))), { force: true });
  });

  it("is the type and text pulumi.dynamic.Resource registers, and is kept for the next run", async () => {
    const implementation = modulePath("fresh");
    const entry = serializedProviderEntry(createProviderShim(implementation));
    rmSync(entry, { force: true });

    const ours = await ourText(implementation);

    expect(ours).toStrictEqual(await sdkText(implementation));
    expect(ours.type).toBe("pulumi-nodejs:dynamic/forge:SerializedNote");
    expect(ours.text).toContain(`implementationModule: "${implementation}"`);
    expect(readFileSync(entry, "utf8")).toBe(ours.text);
    expect(entry).not.toBe(serializedProviderEntry(createProviderShim(modulePath("cached"))));
  });

  it("comes from the kept text without serializing again when nothing changed", async () => {
    const implementation = modulePath("cached");
    const entry = serializedProviderEntry(createProviderShim(implementation));
    mkdirSync(path.dirname(entry), { recursive: true });
    // A text the SDK would never make, so only the cache can have supplied it.
    writeFileSync(entry, "exports.handler = undefined; // kept\n");

    expect((await ourText(implementation)).text).toBe("exports.handler = undefined; // kept\n");
  });
});
