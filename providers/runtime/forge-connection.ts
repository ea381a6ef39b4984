/**
 * The Forge client a dynamic provider uses, built at call time from the stack config the engine sent to the provider
 * host. Nothing here is captured into `__provider`: the token is looked up for every request and never stored.
 */
import { ForgeClient, type ForgeClientOptions } from "../forge";
import { readStackConfig } from "./stack-config";
import { UserError } from "../common/user-error";

function requireStackConfig(key: string, fix: string): string {
  const value = readStackConfig(key);
  if (value === undefined || value.trim() === "") {
    throw new UserError(`Stack config \`forge-previews:${key}\` is not set; ${fix}.`);
  }
  return value.trim();
}

/** A client for the configured org. `overrides` lets tests pass a fast `sleep` or their own limiter. */
export function forgeClientFromStackConfig(overrides: Partial<ForgeClientOptions> = {}): ForgeClient {
  const baseUrl = readStackConfig("forgeApiUrl") ?? "https://forge.laravel.com/api";
  const org = requireStackConfig("forgeOrg", "set it with `pulumi config set forgeOrg <slug>`");
  requireStackConfig("forgeToken", "set it with `pulumi config set --secret forgeToken`");
  return new ForgeClient({
    baseUrl,
    org,
    token: () => readStackConfig("forgeToken"),
    ...overrides,
  });
}

/**
 * Pacing for status polls. Forge finishes most operations in seconds to minutes, so polls start at 2 s and back off
 * to 10 s. `FORGE_PREVIEWS_POLL_MS` shortens the first pause (and scales the ceiling) for runs against the local
 * simulator, whose instant profile finishes before the first poll.
 */
export function pollPacing(): { intervalMs: number; maxIntervalMs: number; backoff: number } {
  const raw = process.env.FORGE_PREVIEWS_POLL_MS;
  const first = raw !== undefined && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : 2000;
  return { intervalMs: first, maxIntervalMs: first * 5, backoff: 1.5 };
}
