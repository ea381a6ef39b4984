import { parseArgs } from "util";
import type { SimulatorOptions } from "./options";

export const USAGE = `Usage: npx ts-node tools/simulator/main.ts [options]

  --port N              port on 127.0.0.1 (env FORGE_SIMULATOR_PORT; default 8787)
  --token T             bearer token to accept (env FORGE_SIMULATOR_TOKEN; required)
  --scopes a,b          token scopes (env FORGE_SIMULATOR_SCOPES; default: all)
  --org SLUG            organization slug (env FORGE_SIMULATOR_ORG; default acme)
  --server ID:NAME      a server; repeat for more (env FORGE_SIMULATOR_SERVERS="1:preview-1,2:preview-2")
  --profile P           instant | realistic | hostile (env FORGE_SIMULATOR_PROFILE; default realistic)
  --time-scale X        multiplies realistic durations (env FORGE_SIMULATOR_TIME_SCALE; default 1)
  --page-size N         default page size (env FORGE_SIMULATOR_PAGE_SIZE; default 30)
  --rate-limit N        requests per minute, 0 = off (env FORGE_SIMULATOR_RATE_LIMIT; default 60)
  --openapi PATH|off    OpenAPI file for the contract check (env FORGE_OPENAPI_PATH)
  --mariadb HOST:PORT   root-capable MariaDB for real schemas and users (env FORGE_SIMULATOR_MARIADB)
  --mariadb-user U      MariaDB user (env FORGE_SIMULATOR_MARIADB_USER; default root)
                        the password is read from env FORGE_SIMULATOR_MARIADB_PASSWORD only
  --sandbox-root DIR    folder for each site's .env and deployment script (env FORGE_SIMULATOR_SANDBOX_ROOT)
  --state-path FILE     JSON file that keeps state across restarts (env FORGE_SIMULATOR_STATE_PATH)
`;

function integer(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`\`${name}\` must be a whole number, got \`${raw}\`.`);
  return Number(raw);
}

function servers(raw: string[]): SimulatorOptions["servers"] {
  if (raw.length === 0) return undefined;
  return raw.map((entry) => {
    const match = /^(\d+):([A-Za-z0-9._-]+)$/.exec(entry.trim());
    if (match === null) throw new Error(`\`--server\` takes ID:NAME such as \`1:preview-1\`, got \`${entry}\`.`);
    return { id: Number(match[1]), name: match[2] };
  });
}

/** Builds simulator options from flags, falling back to env; flags win. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      token: { type: "string" },
      scopes: { type: "string" },
      org: { type: "string" },
      server: { type: "string", multiple: true },
      profile: { type: "string" },
      "time-scale": { type: "string" },
      "page-size": { type: "string" },
      "rate-limit": { type: "string" },
      openapi: { type: "string" },
      mariadb: { type: "string" },
      "mariadb-user": { type: "string" },
      "sandbox-root": { type: "string" },
      "state-path": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const token = values.token ?? env.FORGE_SIMULATOR_TOKEN ?? "";
  const profile = values.profile ?? env.FORGE_SIMULATOR_PROFILE ?? "realistic";
  if (profile !== "instant" && profile !== "realistic" && profile !== "hostile") {
    throw new Error(`\`--profile\` must be \`instant\`, \`realistic\` or \`hostile\`, got \`${profile}\`.`);
  }
  const scopes = values.scopes ?? env.FORGE_SIMULATOR_SCOPES;
  const openapi = values.openapi ?? env.FORGE_OPENAPI_PATH;
  const mariadb = values.mariadb ?? env.FORGE_SIMULATOR_MARIADB;
  let mariadbOption: SimulatorOptions["mariadb"] = null;
  if (mariadb !== undefined && mariadb !== "") {
    const match = /^([^:]+):(\d+)$/.exec(mariadb);
    if (match === null)
      throw new Error(`\`--mariadb\` takes HOST:PORT such as \`127.0.0.1:3306\`, got \`${mariadb}\`.`);
    mariadbOption = {
      host: match[1],
      port: Number(match[2]),
      user: values["mariadb-user"] ?? env.FORGE_SIMULATOR_MARIADB_USER ?? "root",
      password: env.FORGE_SIMULATOR_MARIADB_PASSWORD ?? "",
    };
  }
  const timeScale = values["time-scale"] ?? env.FORGE_SIMULATOR_TIME_SCALE;
  return {
    help: values.help === true,
    port: integer(values.port ?? env.FORGE_SIMULATOR_PORT, "--port") ?? 8787,
    token,
    tokenScopes: scopes === undefined || scopes === "" ? null : scopes.split(",").map((scope) => scope.trim()),
    org: values.org ?? env.FORGE_SIMULATOR_ORG ?? "acme",
    servers: servers(values.server ?? (env.FORGE_SIMULATOR_SERVERS ?? "").split(",").filter((entry) => entry !== "")),
    profile,
    timeScale: timeScale === undefined || timeScale === "" ? undefined : Number(timeScale),
    pageSize: integer(values["page-size"] ?? env.FORGE_SIMULATOR_PAGE_SIZE, "--page-size"),
    rateLimitPerMinute: integer(values["rate-limit"] ?? env.FORGE_SIMULATOR_RATE_LIMIT, "--rate-limit"),
    openapiPath: openapi === "off" ? null : openapi === undefined || openapi === "" ? undefined : openapi,
    mariadb: mariadbOption,
    sandboxRoot: values["sandbox-root"] ?? env.FORGE_SIMULATOR_SANDBOX_ROOT ?? null,
    statePath: values["state-path"] ?? env.FORGE_SIMULATOR_STATE_PATH ?? null,
  };
}
