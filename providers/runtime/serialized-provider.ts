/**
 * The `__provider` text of each shim, exactly as `pulumi.dynamic.Resource` would serialize it, kept in
 * `.cache/provider-shims/`. The SDK serializes a provider by reading its functions' source under an inspector session
 * and parsing it with TypeScript: about half a second of every `pulumi up` before its first resource registers. The
 * text depends only on the SDK, the Node.js that compiled the shim, the shim's code and the module path, so a key made
 * of those finds the same text again; anything else that changes misses and is serialized by the SDK once more.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readCacheFile, writeCacheFile } from "../common/cache-file";
import { type ProviderShim, SHIM_CODE } from "./shim";

export const PROVIDER_KEY = "__provider";
const SERIALIZED_PROVIDER_CACHE_DIR = path.resolve(__dirname, "..", "..", ".cache", "provider-shims");

type SerializedFunction = { text: string; containsSecrets: boolean };
type SerializeFunction = (func: () => unknown, args: { allowSecrets: boolean }) => Promise<SerializedFunction>;

const sdkVersion = (): string => (require("@pulumi/pulumi/package.json") as { version: string }).version;

/** The cache file that holds `shim`'s text for this SDK, Node.js and shim code. */
export function serializedProviderEntry(shim: ProviderShim): string {
  const key = JSON.stringify({
    sdk: sdkVersion(),
    node: process.version,
    shim: SHIM_CODE,
    serialize: String(serialize),
    module: shim.implementationModule,
  });
  return path.join(SERIALIZED_PROVIDER_CACHE_DIR, `${createHash("sha256").update(key).digest("hex")}.js`);
}

/** What the SDK makes of `provider`, by the same call `pulumi.dynamic.Resource` makes (`() => provider`). */
function serialize(provider: ProviderShim): Promise<SerializedFunction> {
  // Loaded on a miss only: the closure serializer's dependencies are what is slow.
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: SerializeFunction;
  };
  return closure.serializeFunction(() => provider, { allowSecrets: true });
}

const texts = new Map<ProviderShim, pulumi.Input<string>>();

/**
 * The `__provider` input for `shim`: the cached text when this SDK, Node.js and shim code serialized it before, else
 * the SDK's serialization (kept for next time), made secret as the SDK would if it captured a secret (a shim never
 * does: the text is then not kept).
 */
export function serializedProvider(shim: ProviderShim): pulumi.Input<string> {
  const known = texts.get(shim);
  if (known !== undefined) return known;
  const entry = serializedProviderEntry(shim);
  const cached = readCacheFile(entry);
  const text: pulumi.Input<string> =
    cached ??
    pulumi.output(serialize(shim)).apply((serialized): pulumi.Output<string> => {
      if (serialized.containsSecrets) return pulumi.secret(serialized.text);
      writeCacheFile(entry, serialized.text);
      return pulumi.output(serialized.text);
    });
  texts.set(shim, text);
  return text;
}
