/** Configuration entries for the CLI's own reads of the local "server" (status, admission): shared keys plus secrets. */
import type { ConfigEntries } from "../../cli/cli-config";
import { parseEntries } from "../../cli/pulumi/preview-config";
import type { PlainConfig } from "../../stacks/config-rules";
import { type TestServices, serverSideConfig } from "./services";

const SECRET_KEYS = new Set(
  ["forgeToken", "sshPrivateKey", "mysqlPassword", "redisPassword"].map((key) => `forge-previews:${key}`),
);

/** One app, `customer`, whose master is `master`, on this run's sshd, MariaDB and Redis; `overrides` by full key. */
export function localServerConfig(
  services: TestServices,
  master: string,
  overrides: Record<string, string> = {},
): { entries: ConfigEntries; config: PlainConfig } {
  const values: Record<string, string> = {
    "forge-previews:forgeOrg": "acme",
    "forge-previews:forgeServerId": "4242",
    "forge-previews:previewDomain": "preview.acme.test",
    "forge-previews:forgeToken": "unused-token",
    "forge-previews:apps": JSON.stringify({ customer: { repository: "acme/customer", masterDatabase: master } }),
    ...serverSideConfig(services, { mysql: true, redis: true }),
    ...overrides,
  };
  const entries: ConfigEntries = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, { value, secret: SECRET_KEYS.has(key) }]),
  );
  return { entries, config: parseEntries(entries, { kind: "existing" }) };
}
