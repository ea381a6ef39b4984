import { PROJECT_NAME } from "../common/project";

export { PROJECT_NAME };

/** What the dynamic-provider host passes to `configure`: a lookup by `<project>:<key>`. */
export interface StackConfigSource {
  get(key: string): unknown;
}

/**
 * Stack config received through the shim's `configure`, kept in this host process only. It is deliberately a
 * module-level variable that the shim never references: the serialized `__provider` text reaches this module through
 * `require` at call time, so no config value can be captured into state.
 */
let configured: StackConfigSource | undefined;

/** Stores (or, with `undefined`, forgets) the stack config the engine sent to this host process. */
export function useStackConfig(source: StackConfigSource | undefined): void {
  configured = source;
}

/**
 * Reads a stack config value at call time. `key` is `name` (resolved against {@link PROJECT_NAME}) or a full
 * `<namespace>:name`. Looks at the config the engine sent through `configure` first, then at `PULUMI_CONFIG` (the JSON
 * object the engine also puts in the host's environment). Non-string values are returned as JSON text.
 */
export function readStackConfig(key: string): string | undefined {
  const fullKey = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
  const fromConfigure = configured?.get(fullKey);
  if (fromConfigure !== undefined && fromConfigure !== null) {
    return asConfigString(fromConfigure);
  }
  const fromEnv = readEnvConfig()[fullKey];
  return fromEnv === undefined || fromEnv === null ? undefined : asConfigString(fromEnv);
}

function readEnvConfig(): Record<string, unknown> {
  const raw = process.env.PULUMI_CONFIG;
  if (raw === undefined || raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The text is not quoted: it holds decrypted secrets.
    throw new Error("PULUMI_CONFIG is not valid JSON; it must be the object of stack config the engine sets");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("PULUMI_CONFIG must be a JSON object of `<project>:<key>` to value");
  }
  return parsed as Record<string, unknown>;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
