/**
 * Reads the stack configuration once into a typed object. Secrets stay `Output`s marked secret; the Forge token and
 * the SSH key are only checked for presence here, because the dynamic providers read them at call time from the
 * stack config instead of receiving them as inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../providers/common/project";
import { PLAIN_KEYS, SECRET_KEYS } from "./config-keys";
import { PlainConfig, parsePlainConfig } from "./config-rules";

export interface PreviewConfig extends PlainConfig {
  basicAuthPassword: pulumi.Output<string> | null;
  /** The server Redis's `requirepass`, written into each preview's `.env`; null when Redis has none. */
  redisPassword: pulumi.Output<string> | null;
}

const OBJECT_KEYS = new Set(["apps", "productionDatabases", "alerts", "poolServers"]);

export function loadConfig(config: pulumi.Config = new pulumi.Config(PROJECT_NAME)): PreviewConfig {
  const raw: Record<string, unknown> = {};
  for (const key of PLAIN_KEYS) {
    raw[key] = OBJECT_KEYS.has(key) ? readObject(config, key) : config.get(key);
  }
  const secretsSet = new Set<string>();
  for (const { key } of SECRET_KEYS) {
    if (config.getSecret(key) !== undefined) secretsSet.add(key);
  }
  const plain = parsePlainConfig(raw, secretsSet);
  return {
    ...plain,
    basicAuthPassword: plain.basicAuth.mode === "shared" ? config.requireSecret("basicAuthPassword") : null,
    redisPassword: secretsSet.has("redisPassword") ? config.requireSecret("redisPassword") : null,
  };
}

/** `getObject` throws a bare JSON error on bad input; keep the raw text so the rules can name the key. */
function readObject(config: pulumi.Config, key: string): unknown {
  try {
    return config.getObject<unknown>(key);
  } catch {
    return config.get(key);
  }
}
