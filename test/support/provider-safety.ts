import * as fs from "node:fs";
import * as path from "node:path";
import type { CapturedRegistration } from "./capture-provider";
import { type DynamicHost, DynamicHostCallError, PROJECT_ROOT, urnFor } from "./dynamic-host";

export interface DiscoveredResource {
  /** Project-relative path of the file declaring the class, e.g. `providers/forge-site/index.ts`. */
  file: string;
  className: string;
}

const DYNAMIC_RESOURCE_CLASS =
  /\bclass\s+([A-Za-z_$][\w$]*)\s+extends\s+(?:(?:pulumi\.)?dynamic\.Resource|dynamicResourceClass)\b/g;

/**
 * Lists the classes extending `pulumi.dynamic.Resource` (or `dynamic.Resource`), directly or through the runtime's
 * `dynamicResourceClass(...)`, declared in the `.ts` files directly
 * inside `directory` (project-relative) or any folder below it, sorted by file then class.
 */
export function discoverDynamicResources(directory: string): DiscoveredResource[] {
  const absolute = path.join(PROJECT_ROOT, directory);
  const files = fs.existsSync(absolute)
    ? fs
        .readdirSync(absolute, { recursive: true, encoding: "utf8" })
        .filter((name) => name.endsWith(".ts"))
        .map((name) => name.split(path.sep).join("/"))
        .sort()
    : [];
  return files.flatMap((name) => {
    const source = stripComments(fs.readFileSync(path.join(absolute, name), "utf8"));
    return [...source.matchAll(DYNAMIC_RESOURCE_CLASS)].map((match) => ({
      file: path.posix.join(directory, name),
      className: match[1],
    }));
  });
}

/** One message per discovered resource that has no entry in `samples` (keyed by class name). */
export function findMissingSamples(discovered: DiscoveredResource[], samples: Record<string, unknown>): string[] {
  return discovered
    .filter(({ className }) => !Object.prototype.hasOwnProperty.call(samples, className))
    .map(
      ({ className, file }) =>
        `add sample args for ${className} (${file}) to the table in test/provider/providers/guard.test.ts`,
    );
}

export interface ProviderSafetyCheck {
  host: DynamicHost;
  registration: CapturedRegistration;
  /** Credentials set in the test's config and environment, keyed by where they were set (never by value). */
  secrets: Record<string, string>;
  /** Also create (then delete) the object through the host, to check the outputs it returns. */
  create?: boolean;
}

/**
 * Returns what is wrong with a dynamic resource's provider, as sentences that name the credential's source but never
 * its value:
 * - its serialized `__provider` must not contain any of `secrets`, nor be marked secret (a captured secret Output);
 * - it must be a provider-kit shim, which makes outputs JSON-safe and reads credentials at call time;
 * - the host must load it and accept the registered inputs in `check`;
 * - with `create`, the host must be able to encode what create returns, and those outputs must not hold a secret;
 * - nothing the host logged may contain a secret.
 */
export async function inspectProviderSafety(check: ProviderSafetyCheck): Promise<string[]> {
  const { host, registration, secrets } = check;
  const subject = `${registration.type} (${registration.name})`;
  const problems: string[] = [];
  const leaks = (text: string): string[] =>
    Object.entries(secrets)
      .filter(([, value]) => value !== "" && text.includes(value))
      .map(([source]) => source);

  for (const source of leaks(registration.providerText)) {
    problems.push(
      `${subject}: its serialized \`__provider\` contains the credential from ${source}; ` +
        "read credentials at call time with readStackConfig() or process.env instead of capturing them",
    );
  }
  if (registration.providerIsSecret) {
    problems.push(
      `${subject}: the SDK marked its serialized \`__provider\` secret, so its provider captured a secret Output; ` +
        "read credentials at call time instead",
    );
  }
  if (!/\bimplementationModule: "[^"]+"/.test(registration.providerText)) {
    problems.push(
      `${subject}: its provider is not a provider-kit shim; pass createProviderShim("providers/<kind>") to super()`,
    );
  }

  const urn = urnFor(registration.type, registration.name);
  let inputs: Record<string, unknown> | undefined;
  try {
    const checked = await host.check(urn, {}, registration.inputs);
    inputs = checked.inputs;
    for (const failure of checked.failures) {
      problems.push(`${subject}: check rejected the sample args: ${failure.property}: ${failure.reason}`);
    }
  } catch (error) {
    problems.push(`${subject}: the host could not run check: ${describeCallError(error)}`);
  }

  if (check.create && inputs !== undefined) {
    try {
      const { id, outs } = await host.create(urn, inputs);
      for (const source of leaks(JSON.stringify({ ...outs, __provider: undefined }))) {
        problems.push(`${subject}: create returned outputs containing the credential from ${source}`);
      }
      await host.delete(urn, id, outs);
    } catch (error) {
      const reason = describeCallError(error);
      problems.push(
        /Unexpected struct type/.test(reason)
          ? `${subject}: create returned outputs the host cannot encode (${reason}); return null instead of undefined and only JSON data`
          : `${subject}: create failed in the host: ${reason}`,
      );
    }
  }

  for (const source of leaks(host.logs())) {
    problems.push(`${subject}: the host logged the credential from ${source}`);
  }
  // Reasons quoted from the provider or the host could themselves carry a credential.
  return problems.map((problem) =>
    Object.entries(secrets).reduce(
      (text, [source, value]) => (value === "" ? text : text.split(value).join(`[credential from ${source}]`)),
      problem,
    ),
  );
}

/** Throws one error listing every problem {@link inspectProviderSafety} finds. */
export async function assertProviderSafe(check: ProviderSafetyCheck): Promise<void> {
  const problems = await inspectProviderSafety(check);
  if (problems.length > 0) {
    throw new Error(`unsafe dynamic provider:\n- ${problems.join("\n- ")}`);
  }
}

function describeCallError(error: unknown): string {
  if (error instanceof DynamicHostCallError) return error.details;
  return error instanceof Error ? error.message : String(error);
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}
