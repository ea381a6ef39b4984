/**
 * The Forge client a dynamic provider uses, built at call time from the stack config the engine sent to the provider
 * host. Nothing here is captured into `__provider`: the token is looked up for every request and never stored.
 */
import { ForgeClient, type ForgeClientOptions } from "./forge";
import { readStackConfig } from "./provider-kit";
import { UserError } from "./user-error";

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
