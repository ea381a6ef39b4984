import * as pulumi from "@pulumi/pulumi";

export const MOCK_PROJECT = "forge-previews";
export const MOCK_STACK = "pr-123";

type State = Record<string, unknown>;

export interface MockProgramOptions {
  project?: string;
  stack?: string;
  /** Run as `pulumi preview`: outputs the mocks do not return stay unknown. */
  preview?: boolean;
  /** Stack config, keyed `key` (resolved against the project) or `<namespace>:key`. */
  config?: Record<string, string>;
  /** Config keys (same spelling as in `config`) to mark secret. */
  secretConfigKeys?: string[];
  /** Invoke results by token; any other token throws, so a forgotten mock cannot pass silently. */
  calls?: Record<string, (inputs: State) => State>;
  /** Extra state for a registered resource (merged over its inputs), e.g. outputs a provider would compute. */
  outputsFor?: (args: pulumi.runtime.MockResourceArgs) => State | undefined;
}

export interface MockProgram {
  /** Every resource registration, in order, as the engine would receive it. */
  readonly registrations: pulumi.runtime.MockResourceArgs[];
  /** Every invoke, in order. */
  readonly calls: pulumi.runtime.MockCallArgs[];
  /** The single registration named `name` (and of `type`, when given); throws when there is none or several. */
  registration(name: string, type?: string): pulumi.runtime.MockResourceArgs;
  /** Forgets recorded registrations and calls; use in `beforeEach`. */
  reset(): void;
}

/**
 * Replaces the engine with in-process mocks. Call it before importing the program or resource modules under test
 * (`await import(...)` afterwards), so config and resources they create at import time see the mocks.
 */
export async function installMocks(options: MockProgramOptions = {}): Promise<MockProgram> {
  const project = options.project ?? MOCK_PROJECT;
  const registrations: pulumi.runtime.MockResourceArgs[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  const qualify = (key: string): string => (key.includes(":") ? key : `${project}:${key}`);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(options.config ?? {}).map(([key, value]) => [qualify(key), value])),
    (options.secretConfigKeys ?? []).map(qualify),
  );
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registrations.push(args);
        return {
          // `id` is "" for a new resource (it carries the import id); an empty id would leave `resource.id` unknown.
          id: args.id || `${args.name}-id`,
          state: { ...(args.inputs as State), ...options.outputsFor?.(args) },
        };
      },
      call(args) {
        calls.push(args);
        const handler = options.calls?.[args.token];
        if (!handler) {
          const message = `unexpected invoke \`${args.token}\`: add it to \`calls\` in installMocks`;
          // The SDK rethrows a failed invoke as `new Error(err.details)`, so the text must be in `details`.
          throw Object.assign(new Error(message), { details: message });
        }
        return handler(args.inputs as State);
      },
    },
    project,
    options.stack ?? MOCK_STACK,
    options.preview ?? false,
  );
  return {
    registrations,
    calls,
    registration(name, type) {
      const matches = registrations.filter((args) => args.name === name && (type === undefined || args.type === type));
      if (matches.length !== 1) {
        throw new Error(`expected one registration named ${name}${type ? ` of ${type}` : ""}, found ${matches.length}`);
      }
      return matches[0];
    },
    reset() {
      registrations.length = 0;
      calls.length = 0;
    },
  };
}

/** Resolves with the value of `output`. Under preview mocks an unknown output never resolves, so await with care. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/**
 * Builds the preview program of `stack` under mocks whose Site reports `site` as its outputs, and waits for its `url`
 * output and for the registrations it makes along the way. The Forge token and the SSH key are secret unless
 * `secretConfigKeys` says otherwise.
 */
export async function buildPreviewUnderMocks(
  stack: string,
  options: Pick<MockProgramOptions, "config" | "secretConfigKeys"> & { site: State },
): Promise<MockProgram> {
  const mocks = await installMocks({
    stack,
    config: options.config,
    secretConfigKeys: options.secretConfigKeys ?? ["forgeToken", "sshPrivateKey"],
    outputsFor: (args) => (args.type === "pulumi-nodejs:dynamic/forge:Site" ? options.site : undefined),
  });
  const { buildStack } = await import("../../stacks/program");
  await promiseOf(buildStack(stack).url as pulumi.Output<string>);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return mocks;
}

/** {@link buildPreviewUnderMocks} before the enclosing block's tests; the returned program reads the one built. */
export function usePreviewUnderMocks(
  stack: string,
  options: Parameters<typeof buildPreviewUnderMocks>[1],
): MockProgram {
  let mocks: MockProgram | undefined;
  beforeAll(async () => {
    mocks = await buildPreviewUnderMocks(stack, options);
  });
  const built = (): MockProgram => {
    if (mocks === undefined) throw new Error("the preview is not built yet: use it inside a test or hook");
    return mocks;
  };
  return {
    get registrations() {
      return built().registrations;
    },
    get calls() {
      return built().calls;
    },
    registration: (name, type) => built().registration(name, type),
    reset: () => built().reset(),
  };
}
