/**
 * `forge-previews doctor`: checks everything a preview needs, in the order it needs it (backend, configuration,
 * Forge token and server, SSH with the pinned host key, the master databases, each further server of a pool, Redis,
 * DNS) and prints one line per check with the fix when it fails. A check whose prerequisite failed is skipped rather
 * than failing twice.
 */
import { randomBytes } from "node:crypto";
import { promises as dns } from "node:dns";
import { type MysqlAccess, buildOptionFile, planCloneOf } from "../../providers/db-clone";
import {
  ForgeApiError,
  ForgeAuthError,
  ForgeClient,
  type ForgeClientOptions,
  ForgeNotFoundError,
  FORGE_OPERATIONS,
  type Server,
} from "../../providers/forge";
import { redactText } from "../../providers/common/redact";
import { withRedisOverSsh } from "../../providers/redis";
import {
  SshHostKeyMismatchError,
  type SshSession,
  type SshTarget,
  withRemoteSecretFile,
  withSsh,
} from "../../providers/ssh";
import { configKey } from "../../stacks/config-keys";
import type { PlainConfig } from "../../stacks/config-rules";
import { describeServer } from "../../stacks/server-pool";
import { parseFlags } from "../args";
import {
  type ConfigEntries,
  type ConfigSource,
  DNS_SERVER_ENV,
  type Env,
  UsageError,
  fullKey,
  readBackendSettings,
  readConfigSource,
  secretEntriesFromEnv,
} from "../cli-config";
import { type CliIo, formatTable, toJson } from "../output";
import { parseEntries } from "../pulumi/preview-config";
import { parsePreviewStack } from "../pulumi/preview-summary";
import { pulumiFor, resolveProjectContext } from "../pulumi/project";
import type { PulumiCli } from "../pulumi/runner";
import { missingConfigHint, readConfig } from "../pulumi/stack-config";
import { listStacks } from "../pulumi/stacks";

export const summary =
  "check the configuration, Forge, SSH, databases and the clone method, Redis, the backend and DNS";

export const usage = `Usage: forge-previews doctor [--stack <stack>] [--json]

  --stack <stack>   read the configuration from this stack (default: the shared configuration from
                    FORGE_PREVIEWS_CONFIG_FILE / FORGE_PREVIEWS_CONFIG, or FORGE_PREVIEWS_CONFIG_STACK)
  --json            print the checks as JSON

Exits with 1 when any check fails. Note: \`destroy\` runs the providers with the configuration recorded at the last
\`up\`, so after rotating the Forge token or the SSH key run \`up\` (or \`destroy --run-program\`) once.`;

export interface DoctorCheck {
  name: string;
  status: "ok" | "fail" | "skip";
  detail: string;
  fix: string | null;
}

export interface DoctorOptions {
  env: Env;
  cwd: string;
  /** Read the configuration from this stack instead of the environment's source. */
  stack?: string;
  /** Resolves a host name to addresses; the system resolver by default. */
  lookup?: (host: string) => Promise<string[]>;
  forgeClient?: Partial<ForgeClientOptions>;
}

/** A failed check whose fix is more specific than the check's default one. */
class CheckFailure extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const SKIPPED = "skipped: a check it depends on failed";

class Checks {
  readonly results: DoctorCheck[] = [];

  constructor(private readonly secrets: () => readonly string[]) {}

  /** Runs `fn` unless `ready` is false; returns its value, or undefined when it failed or was skipped. */
  async run<T>(
    name: string,
    ready: boolean,
    fix: string,
    fn: () => Promise<{ detail: string; value: T }>,
  ): Promise<T | undefined> {
    if (!ready) {
      this.results.push({ name, status: "skip", detail: SKIPPED, fix: null });
      return undefined;
    }
    try {
      const { detail, value } = await fn();
      this.results.push({ name, status: "ok", detail: redactText(detail, this.secrets()), fix: null });
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.results.push({
        name,
        status: "fail",
        detail: redactText(message, this.secrets()),
        fix: redactText(error instanceof CheckFailure ? error.fix : fix, this.secrets()),
      });
      return undefined;
    }
  }
}

/** Scopes the token needs: every operation the providers call. Forge offers no way to list a token's scopes. */
export function requiredScopes(): string[] {
  return [...new Set(Object.values(FORGE_OPERATIONS).flatMap((op) => [...op.scopes]))].sort();
}

function describeBackend(url: string): string {
  // Query strings can carry credentials (e.g. an Azure SAS token); the scheme and location say enough.
  return url.replace(/\?.*$/, "");
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  let entries: ConfigEntries = secretEntriesFromEnv(options.env);
  const checks = new Checks(() =>
    Object.values(entries)
      .filter((e) => e.secret)
      .map((e) => e.value),
  );
  const secret = (key: string): string | null => entries[fullKey(key)]?.value || null;
  const plain = (key: string): string | null =>
    entries[fullKey(key)]?.secret ? null : entries[fullKey(key)]?.value || null;

  const cli = await checks.run(
    "backend",
    true,
    "set PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE (or _FILE), and the backend's own credentials (e.g. AWS_* for s3://)",
    async () => {
      const { backendUrl } = readBackendSettings(options.env);
      const runner = pulumiFor(
        resolveProjectContext({ env: options.env, cwd: options.cwd, checkConfigSource: false }),
        [],
      );
      const stacks = await listStacks(runner);
      const previews = stacks.filter((s) => parsePreviewStack(s.name) !== null).length;
      const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
      return {
        detail: `${describeBackend(backendUrl)}: ${count(stacks.length, "stack")}, ${count(previews, "preview")}`,
        value: runner,
      };
    },
  );

  let source: ConfigSource | null = null;
  try {
    source = options.stack !== undefined ? { kind: "stack", stack: options.stack } : readConfigSource(options.env);
  } catch (error) {
    checks.results.push({
      name: "configuration",
      status: "fail",
      detail: (error as Error).message,
      fix: "fix the variable named above",
    });
  }
  const config =
    source === null
      ? undefined
      : await checks.run(
          "configuration",
          source.kind === "shared" || cli !== undefined,
          "fix the keys named above",
          async () => {
            entries = await readSource(source as ConfigSource, cli, options.env);
            const parsed = parseEntries(entries, source as ConfigSource);
            const apps = Object.keys(parsed.apps)
              .map((app) => (app === parsed.defaultApp ? `${app} (default)` : app))
              .join(", ");
            return {
              detail: `apps ${apps}; server ${parsed.forge.serverId}; previews under ${parsed.previewDomain}`,
              value: parsed,
            };
          },
        );

  const client = await checks.run(
    "forge token",
    config !== undefined,
    "check forgeApiUrl and the network",
    async () => {
      const c = config as PlainConfig;
      const forge = new ForgeClient({
        baseUrl: c.forge.apiUrl,
        org: c.forge.org,
        token: () => secret("forgeToken") ?? undefined,
        retry: { attempts: 2 },
        timeoutMs: 15_000,
        ...options.forgeClient,
      });
      try {
        const org = await forge.organizations.get(c.forge.org);
        return { detail: `works for organization "${org.name}" (${org.slug}) at ${c.forge.apiUrl}`, value: forge };
      } catch (error) {
        throw explainForgeError(
          error,
          `organization \`${c.forge.org}\``,
          "set forgeOrg to a slug that `GET /api/orgs` lists",
        );
      }
    },
  );

  const server = await checks.run("forge server", client !== undefined, "check forgeServerId", async () => {
    const c = config as PlainConfig;
    const forge = client as ForgeClient;
    try {
      const found = await readyServer(forge, c.forge.serverId);
      for await (const page of forge.sites.list(found.id, { pageSize: 1 }).pages()) {
        void page;
        break;
      }
      const writes = requiredScopes().filter((s) => !s.endsWith(":view"));
      return {
        detail: `${found.id} (${found.name}, ${found.ipAddress ?? "no IP"}) is ready; read scopes work, write scopes (${writes.join(", ")}) are checked on first use`,
        value: found,
      };
    } catch (error) {
      throw explainForgeError(
        error,
        `server ${c.forge.serverId}`,
        "set forgeServerId to the id Forge shows for the server",
      );
    }
  });

  const target = await checks.run(
    "ssh",
    config !== undefined,
    "add the public half of sshPrivateKey to ~/.ssh/authorized_keys of sshUser on the server (Forge: Server → SSH Keys)",
    async () => {
      const c = config as PlainConfig;
      const key = secret("sshPrivateKey");
      if (key === null)
        throw new CheckFailure(
          "sshPrivateKey is not set",
          `set ${configKey("sshPrivateKey").env} (or the stack's sshPrivateKey secret)`,
        );
      const ssh: SshTarget = {
        host: c.ssh.host,
        port: c.ssh.port,
        user: c.ssh.user,
        privateKey: key,
        hostKeyFingerprint: c.ssh.hostKeyFingerprint,
        connectTimeoutMs: 15_000,
      };
      await withPinnedSsh(ssh, "update sshHostKeyFingerprint", (session) =>
        session.execChecked(["true"], { timeoutMs: 15_000 }),
      );
      return {
        detail: `${c.ssh.user}@${c.ssh.host}:${c.ssh.port} logged in; host key ${c.ssh.hostKeyFingerprint} verified`,
        value: ssh,
      };
    },
  );

  const mysqlAccess = (): MysqlAccess => ({
    user: plain("mysqlUser") ?? "forge",
    password: secret("mysqlPassword"),
    socket: plain("mysqlSocket"),
    dataDir: plain("mysqlDataDir"),
    sudoPassword: secret("sudoPassword"),
  });

  const masters = await checks.run(
    "master databases",
    target !== undefined,
    "run the snapshots stack (`pulumi up -s snapshots`) or fix apps.<app>.masterDatabase",
    async () => {
      const c = config as PlainConfig;
      const masters = Object.values(c.apps).map((app) => app.masterDatabase);
      const access = mysqlAccess();
      const present = await withSsh(target as SshTarget, (session) => listDatabases(session, access));
      const missing = masters.filter((name) => !present.has(name));
      if (missing.length > 0) throw new Error(`missing on the server: ${missing.join(", ")}`);
      return { detail: `${masters.join(", ")} present (as MySQL user ${access.user})`, value: masters };
    },
  );

  await checks.run(
    "clone method",
    masters !== undefined,
    "set sudoPassword to the sudo password Forge showed for sshUser at provisioning (`pulumi config set --secret sudoPassword`), or remove it",
    async () => {
      const c = config as PlainConfig;
      const [master = ""] = masters ?? [];
      const plan = await withSsh(target as SshTarget, (session) =>
        planCloneOf(session, { access: mysqlAccess(), source: master, method: c.cloneMethod }),
      );
      return { detail: describeClonePlan(c.ssh.user, master, plan), value: true };
    },
  );

  // Every further server of the pool gets the same checks, in one line each: a preview may be placed on any of them.
  for (const pooled of config?.pool.slice(1) ?? []) {
    await checks.run(
      `pool ${describeServer(pooled)}`,
      client !== undefined && masters !== undefined,
      "fix this server's entry in poolServers (or remove it), as the failure above says",
      async () => {
        const c = config as PlainConfig;
        let found: Server;
        try {
          found = await readyServer(client as ForgeClient, pooled.forgeServerId);
        } catch (error) {
          throw explainForgeError(error, `server ${pooled.forgeServerId}`, "set its forgeServerId in poolServers");
        }
        const ssh: SshTarget = {
          ...(target as SshTarget),
          host: pooled.sshHost,
          port: pooled.sshPort,
          hostKeyFingerprint: pooled.sshHostKeyFingerprint,
        };
        const access: MysqlAccess = {
          ...mysqlAccess(),
          socket: pooled.mysqlSocket === "" ? null : pooled.mysqlSocket,
          dataDir: pooled.mysqlDataDir === "" ? null : pooled.mysqlDataDir,
        };
        const [master = ""] = masters ?? [];
        const { present, plan } = await withPinnedSsh(ssh, "update its sshHostKeyFingerprint", async (session) => {
          const databases = await listDatabases(session, access);
          return {
            present: databases,
            plan: databases.has(master)
              ? await planCloneOf(session, { access, source: master, method: c.cloneMethod })
              : null,
          };
        });
        const missing = (masters ?? []).filter((name) => !present.has(name));
        if (missing.length > 0 || plan === null)
          throw new CheckFailure(
            `missing on server ${pooled.forgeServerId}: ${missing.join(", ")}`,
            "run the snapshots stack (`pulumi up -s snapshots`), which refreshes the master on every server of the pool",
          );
        return {
          detail:
            `${found.id} (${found.name}) is ready; ${c.ssh.user}@${ssh.host}:${ssh.port} logged in, host key verified; ` +
            `${(masters ?? []).join(", ")} present; ${describeClonePlan(c.ssh.user, master, plan)}`,
          value: true,
        };
      },
    );
  }

  await checks.run(
    "redis",
    target !== undefined,
    "check redisPort and redisPassword (requirepass in redis.conf)",
    async () => {
      const c = config as PlainConfig;
      const redis = { host: "127.0.0.1", port: c.redisPort, password: secret("redisPassword") ?? undefined };
      await withRedisOverSsh(target as SshTarget, redis, async (client) => {
        const pong = await client.command(["PING"]);
        if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
        try {
          await client.command(["SELECT", c.redisSlots.last]);
        } catch (error) {
          throw new CheckFailure(
            `database ${c.redisSlots.last} cannot be selected (${(error as Error).message})`,
            "raise `databases` in redis.conf or narrow redisSlotRange",
          );
        }
      });
      return {
        detail: `answers on 127.0.0.1:${c.redisPort} through SSH; databases ${c.redisSlots.first}-${c.redisSlots.last} exist`,
        value: true,
      };
    },
  );

  await checks.run("dns", config !== undefined, "add a wildcard record", async () => {
    const c = config as PlainConfig;
    if (c.cloudflare.enabled)
      return { detail: `cloudflareDns: each preview gets its own record in zone ${c.cloudflare.zoneId}`, value: true };
    const name = `doctor-${randomBytes(4).toString("hex")}.${c.previewDomain}`;
    const fix = `add a wildcard record \`*.${c.previewDomain}\` pointing at the server${server?.ipAddress ? ` (${server.ipAddress})` : ""}, or set cloudflareDns`;
    const lookup = options.lookup ?? lookupFor(options.env);
    let addresses: string[];
    try {
      addresses = await lookup(name);
    } catch (error) {
      throw new CheckFailure(
        `${name} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        fix,
      );
    }
    const ip = server?.ipAddress ?? null;
    if (ip !== null && !addresses.includes(ip))
      throw new CheckFailure(`${name} resolves to ${addresses.join(", ")}, not the server's ${ip}`, fix);
    return { detail: `${name} resolves to ${addresses.join(", ")} (wildcard record)`, value: true };
  });

  return checks.results;
}

/** `fn` over SSH to `target`; a host key other than the pinned one fails the check with `update` as its fix. */
async function withPinnedSsh<T>(
  target: SshTarget,
  update: string,
  fn: (session: SshSession) => Promise<T>,
): Promise<T> {
  try {
    return await withSsh(target, fn);
  } catch (error) {
    if (error instanceof SshHostKeyMismatchError)
      throw new CheckFailure(error.message, `${update} only after checking the key on the server`);
    throw error;
  }
}

/** The server, when Forge still has access to it and it is provisioned. */
async function readyServer(forge: ForgeClient, id: number): Promise<Server> {
  const found = await forge.servers.get(id);
  if (found.revoked)
    throw new CheckFailure(
      `server ${found.id} (${found.name}) has revoked Forge's access`,
      "reconnect the server in Forge",
    );
  if (!found.isReady)
    throw new CheckFailure(
      `server ${found.id} (${found.name}) is not ready`,
      "wait until Forge finishes provisioning it",
    );
  return found;
}

/** The databases MySQL lists to `access` on the server `session` is logged in to. */
async function listDatabases(session: SshSession, access: MysqlAccess): Promise<Set<string>> {
  const listed = await withRemoteSecretFile(session, buildOptionFile(access), (file) =>
    session.execChecked(["mysql", `--defaults-extra-file=${file}`, "--batch", "--skip-column-names"], {
      stdin: "SHOW DATABASES;\n",
      timeoutMs: 30_000,
    }),
  );
  return new Set(listed.stdout.split("\n").map((line) => line.trim()));
}

/** "transport for `shop_master` as forge: ...": what a preview's clone of the master gets on this server, and why. */
export function describeClonePlan(sshUser: string, master: string, plan: { method: string; reason: string }): string {
  return `${plan.method} for \`${master}\` as ${sshUser}: ${plan.reason}`;
}

/** The system's resolver, or the DNS server \`FORGE_PREVIEWS_DNS_SERVER\` names. */
function lookupFor(env: Env): (host: string) => Promise<string[]> {
  const server = env[DNS_SERVER_ENV]?.trim();
  if (server === undefined || server === "")
    return async (host) => (await dns.lookup(host, { all: true })).map((entry) => entry.address);
  const resolver = new dns.Resolver({ timeout: 5_000, tries: 2 });
  try {
    resolver.setServers([server]);
  } catch {
    throw new CheckFailure(
      `${DNS_SERVER_ENV} is \`${server}\`, not a DNS server address`,
      `set it to \`host:port\` (e.g. 127.0.0.1:5353) or unset it`,
    );
  }
  return (host) => resolver.resolve4(host);
}

async function readSource(source: ConfigSource, cli: PulumiCli | undefined, env: Env): Promise<ConfigEntries> {
  if (source.kind === "shared") return source.entries;
  if (source.kind === "existing" || cli === undefined) {
    throw new CheckFailure(
      "no configuration was given",
      `${missingConfigHint("<stack>")} Or pass --stack <a stack that has the configuration>.`,
    );
  }
  return { ...(await readConfig(cli, source.stack, { showSecrets: true })), ...secretEntriesFromEnv(env) };
}

function explainForgeError(error: unknown, what: string, notFoundFix: string): unknown {
  if (error instanceof ForgeAuthError) {
    const fix = `create a Forge API token with the scopes ${requiredScopes().join(", ")} and set it in ${configKey("forgeToken").env} (or the stack's forgeToken secret)`;
    const problem =
      error.status === 401
        ? "Forge rejected the token (401: wrong, expired or revoked)"
        : `the token lacks a scope for ${what} (403; needs ${error.requiredScopes.join(", ")})`;
    return new CheckFailure(problem, fix);
  }
  if (error instanceof ForgeNotFoundError)
    return new CheckFailure(`Forge knows no ${what} for this token (404)`, notFoundFix);
  if (error instanceof ForgeApiError)
    return new CheckFailure(error.message, "see Forge's status page, then run doctor again");
  return error;
}

const FLAGS = { stack: { type: "string" }, json: { type: "boolean" } } as const;

export function formatChecks(results: readonly DoctorCheck[]): string {
  const rows = results.flatMap((r) => {
    const [first = "", ...more] = r.detail.split("\n");
    return [
      [r.status === "fail" ? "FAIL" : r.status, r.name, first],
      ...more.map((line) => ["", "", line]),
      ...(r.status === "fail" && r.fix ? [["", "", `fix: ${r.fix}`]] : []),
    ];
  });
  const failed = results.filter((r) => r.status === "fail").length;
  return `${formatTable(["", "CHECK", "RESULT"], rows)}\n${failed === 0 ? "All checks passed." : `${failed} check${failed === 1 ? "" : "s"} failed.`}`;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { stack, json } = parseFlags(argv, FLAGS);
  if (stack !== undefined && parsePreviewStack(stack) === null && !/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new UsageError(`\`--stack\` must be a stack name, not ${JSON.stringify(stack)}.`);
  }
  const results = await runDoctor({ env: io.env, cwd: io.cwd, ...(stack !== undefined ? { stack } : {}) });
  io.out(json ? toJson(results) : formatChecks(results));
  return results.some((r) => r.status === "fail") ? 1 : 0;
}
