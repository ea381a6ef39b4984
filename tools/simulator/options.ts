import * as path from "path";
import type { HostAgent } from "./agent";
import { type Quirks, resolveQuirks } from "./quirks";

export interface MariaDbConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface SimulatorOptions {
  /** Default 0 (ephemeral); the host is always 127.0.0.1. */
  port?: number;
  /** The one bearer token accepted. */
  token: string;
  /** Scopes the token carries; null means every scope. */
  tokenScopes?: string[] | null;
  /** Organization slug, e.g. "acme". */
  org: string;
  /**
   * A server's `mariadb` stands in for its own MySQL (a pool of servers); without one it shares the top-level `mariadb`.
   * @default [{ id: 1, name: "preview-1" }]
   */
  servers?: Array<{
    id: number;
    name: string;
    phpVersion?: string;
    databaseType?: string;
    mariadb?: MariaDbConnection;
  }>;
  /** `hostile` is `realistic` with every quirk on. @default "instant" */
  profile?: "instant" | "realistic" | "hostile";
  /** Real-Forge behaviours to show, over the profile's (none, or all for `hostile`); see quirks.ts. */
  quirks?: Partial<Quirks>;
  /** Multiplies every realistic duration, so benchmarks keep Forge's ratios at a faster pace. @default 1 */
  timeScale?: number;
  /** @default 30 */
  pageSize?: number;
  /** Larger `page[size]` values are clamped to this. @default 100 */
  maxPageSize?: number;
  /** Requests per window; 0 disables the limit and its headers. @default 60 */
  rateLimitPerMinute?: number;
  /** Length of the rate-limit window, shortened by tests. @default 60000 */
  rateLimitWindowMs?: number;
  /** Path of Forge's OpenAPI file; null disables the contract check. @default env FORGE_OPENAPI_PATH, else ../shared/forge/openapi.yaml */
  openapiPath?: string | null;
  /** Root-capable MariaDB account; when set, schemas and users are really created and dropped. */
  mariadb?: MariaDbConnection | null;
  /** Directory that receives one folder per site with its `.env` and deployment script. */
  sandboxRoot?: string | null;
  /** JSON file the state is saved to after every change and loaded from at start. */
  statePath?: string | null;
  /** Check every response the simulator sends against the spec; violations land in `responseViolations`. @default false */
  checkResponses?: boolean;
  /** Does what Forge's agent does on the server; the default writes the sandbox files only (see agent.ts). */
  agent?: HostAgent | null;
  /** Receives the simulator's few log lines. @default console.warn */
  log?: (line: string) => void;
}

export type ResolvedOptions = Required<Omit<SimulatorOptions, "openapiPath" | "quirks" | "agent">> & {
  agent: HostAgent | null;
  openapiPath: string | null;
  quirks: Quirks;
};

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** `undefined` means "use the default location"; null means "no contract check". */
export function resolveOpenapiPath(configured: string | null | undefined): string | null {
  if (configured === null) return null;
  if (configured !== undefined) return path.resolve(configured);
  const fromEnv = process.env.FORGE_OPENAPI_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return path.resolve(fromEnv);
  return path.resolve(REPO_ROOT, "..", "shared", "forge", "openapi.yaml");
}

export function resolveOptions(opts: SimulatorOptions): ResolvedOptions {
  if (typeof opts.token !== "string" || opts.token === "") {
    throw new Error("Simulator option `token` is required: pass the bearer token clients will send.");
  }
  if (typeof opts.org !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(opts.org)) {
    throw new Error(
      "Simulator option `org` must be an organization slug such as `acme` (lowercase letters, digits, dashes).",
    );
  }
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error("Simulator option `timeScale` must be a positive number.");
  if (opts.profile !== undefined && !["instant", "realistic", "hostile"].includes(opts.profile)) {
    throw new Error("Simulator option `profile` must be `instant`, `realistic` or `hostile`.");
  }
  const pageSize = opts.pageSize ?? 30;
  const maxPageSize = Math.max(opts.maxPageSize ?? 100, pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error("Simulator option `pageSize` must be a positive integer.");
  return {
    port: opts.port ?? 0,
    token: opts.token,
    tokenScopes: opts.tokenScopes ?? null,
    org: opts.org,
    servers: opts.servers ?? [{ id: 1, name: "preview-1" }],
    profile: opts.profile ?? "instant",
    quirks: resolveQuirks(opts.profile ?? "instant", opts.quirks),
    timeScale,
    pageSize,
    maxPageSize,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 60,
    rateLimitWindowMs: opts.rateLimitWindowMs ?? 60_000,
    openapiPath: resolveOpenapiPath(opts.openapiPath),
    mariadb: opts.mariadb ?? null,
    sandboxRoot: opts.sandboxRoot ? path.resolve(opts.sandboxRoot) : null,
    statePath: opts.statePath ? path.resolve(opts.statePath) : null,
    checkResponses: opts.checkResponses ?? false,
    agent: opts.agent ?? null,
    log: opts.log ?? ((line: string) => console.warn(line)),
  };
}
