import type * as pulumi from "@pulumi/pulumi";
import { type MockProgramOptions, installMocks, promiseOf } from "./mock-program";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface CapturedRegistration {
  type: string;
  name: string;
  /** The inputs exactly as the SDK registered them, `__provider` included (possibly as a secret envelope). */
  inputs: Record<string, unknown>;
  /** The serialized provider module text from `__provider`. */
  providerText: string;
  /** True when the SDK marked `__provider` secret, which it does only when a secret Output was captured. */
  providerIsSecret: boolean;
}

/**
 * Installs mocks, runs `build` (which should `await import(...)` the resource module and construct the resource) and
 * returns what the resource registered with the engine.
 */
export async function captureRegistration(
  build: () => Promise<pulumi.CustomResource> | pulumi.CustomResource,
  options: MockProgramOptions = {},
): Promise<CapturedRegistration> {
  const program = await installMocks(options);
  const resource = await build();
  const urn = await promiseOf(resource.urn);
  // urn:pulumi:<stack>::<project>::<parent types$>type::<name>
  const parts = urn.split("::");
  const type = parts[2]?.split("$").pop();
  return describeRegistration(program.registration(parts.slice(3).join("::"), type));
}

/** Extracts the provider text from a registration, unwrapping the secret envelope if there is one. */
export function describeRegistration(registration: pulumi.runtime.MockResourceArgs): CapturedRegistration {
  const inputs = registration.inputs as Record<string, unknown>;
  const raw = inputs.__provider;
  const isSecret = raw !== null && typeof raw === "object" && SECRET_SIG_KEY in raw;
  const text = isSecret ? (raw as { value?: unknown }).value : raw;
  if (typeof text !== "string") {
    throw new Error(
      `${registration.type} ${registration.name} registered no \`__provider\` text; is it a dynamic resource?`,
    );
  }
  return { type: registration.type, name: registration.name, inputs, providerText: text, providerIsSecret: isSecret };
}

/**
 * A transformation that records the options a resource's constructor passed to the SDK, e.g. the secret outputs it
 * declares: mocks never apply resource options, so the registration does not show them.
 */
export function recordOptions(seen: pulumi.CustomResourceOptions[]): pulumi.ResourceTransformation {
  return ({ opts }) => {
    seen.push(opts as pulumi.CustomResourceOptions);
    return undefined;
  };
}

/** The resource registered as dynamic `forge:<kind>` with exactly `inputs` besides its serialized provider. */
export function expectRegisteredAs(registration: CapturedRegistration, kind: string, inputs: string[]): void {
  expect(registration.type).toBe(`pulumi-nodejs:dynamic/forge:${kind}`);
  expect(Object.keys(registration.inputs).sort()).toStrictEqual(["__provider", ...inputs].sort());
}
