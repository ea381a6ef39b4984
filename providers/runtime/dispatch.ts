import type * as pulumi from "@pulumi/pulumi";
import { loadImplementation } from "./implementation";
import { type JsonObject, toJsonSafeObject } from "./json-safe";
import { isPartialFailure } from "./partial-failure";
import { PROVIDER_KEY } from "./serialized-provider";
import { useStackConfig } from "./stack-config";

type Props = Record<string, unknown>;

/**
 * The host-side half of every shim: each serialized shim method `require`s this kit from the project root and calls
 * the matching function here with its module path. Everything below therefore runs the code deployed now.
 */
export const shimRuntime = {
  async configure(modulePath: string, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    useStackConfig(req.config);
    await loadImplementation(modulePath).configure?.(req);
  },

  async check(modulePath: string, olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult<JsonObject>> {
    const implementation = loadImplementation(modulePath);
    const plainNews = withoutProviderKey(news);
    if (!implementation.check) {
      return { inputs: toJsonSafeObject(plainNews, "inputs") };
    }
    const result = await implementation.check(withoutProviderKey(olds), plainNews);
    return {
      inputs: toJsonSafeObject(result.inputs ?? plainNews, `${modulePath} check inputs`),
      failures: result.failures ?? [],
    };
  },

  async diff(modulePath: string, id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const implementation = loadImplementation(modulePath);
    if (!implementation.diff) return {};
    return implementation.diff(id, withoutProviderKey(olds), withoutProviderKey(news));
  },

  async create(modulePath: string, inputs: Props): Promise<pulumi.dynamic.CreateResult<JsonObject>> {
    const implementation = loadImplementation(modulePath);
    const result = await withProviderOnPartialFailure(inputs, () => implementation.create(withoutProviderKey(inputs)));
    if (typeof result.id !== "string" || result.id === "") {
      throw new Error(
        `create in \`${modulePath}\` returned no id; return the remote object's id as a non-empty string`,
      );
    }
    return { id: result.id, outs: toJsonSafeObject(result.outs ?? {}, `${modulePath} create outs`) };
  },

  async read(modulePath: string, id: string, props: Props): Promise<pulumi.dynamic.ReadResult<JsonObject>> {
    const implementation = loadImplementation(modulePath);
    const plainProps = withoutProviderKey(props);
    if (!implementation.read) {
      return { id, props: toJsonSafeObject(plainProps, `${modulePath} read props`) };
    }
    const result = await implementation.read(id, plainProps);
    if (result.id === undefined || result.id === "") {
      // An empty id tells the engine the object is gone, so refresh removes it from state.
      return { id: "", props: {} };
    }
    return {
      id: result.id,
      // Without props the state stays as it was, rather than being emptied.
      props: toJsonSafeObject(result.props ?? plainProps, `${modulePath} read props`),
      ...(result.inputs === undefined ? {} : { inputs: toJsonSafeObject(result.inputs, `${modulePath} read inputs`) }),
    };
  },

  async update(
    modulePath: string,
    id: string,
    olds: Props,
    news: Props,
  ): Promise<pulumi.dynamic.UpdateResult<JsonObject>> {
    const implementation = loadImplementation(modulePath);
    const update = implementation.update;
    if (!update) {
      throw new Error(
        `\`${modulePath}\` has no update; its diff must list every changed property in \`replaces\` instead`,
      );
    }
    const result = await withProviderOnPartialFailure(news, () =>
      update(id, withoutProviderKey(olds), withoutProviderKey(news)),
    );
    if (result.outs === undefined) {
      throw new Error(`update in \`${modulePath}\` returned no outs; return every output, or the state loses them`);
    }
    return { outs: toJsonSafeObject(result.outs, `${modulePath} update outs`) };
  },

  async delete(modulePath: string, id: string, props: Props): Promise<void> {
    await loadImplementation(modulePath).delete?.(id, withoutProviderKey(props));
  },
};

export type ShimRuntime = typeof shimRuntime;

function withoutProviderKey(props: Props): Props {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}

/**
 * The host records a partial failure's `properties` as the object's outputs, without adding `__provider` as it does
 * for a successful create. Later delete/refresh calls load the provider from those outputs, so put it back.
 */
async function withProviderOnPartialFailure<T>(props: Props, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isPartialFailure(error)) {
      const properties = toJsonSafeObject(error.properties ?? {}, "partial failure properties");
      const provider = props[PROVIDER_KEY];
      error.properties = typeof provider === "string" ? { ...properties, [PROVIDER_KEY]: provider } : properties;
    }
    throw error;
  }
}
