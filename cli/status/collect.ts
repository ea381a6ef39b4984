/**
 * The status report: the server's load, memory, disks, preview sites and masters, and each preview's database, Redis
 * database, queue, deployments and worker. Each figure comes from where it lives: `/proc` and `df` over SSH, MySQL's
 * information_schema, Redis (`INFO keyspace`, sampled `MEMORY USAGE`, queue lengths) and the Forge API. A source that
 * cannot be read leaves its figures null and adds a line to `problems`; the rest is still reported.
 */
import { type ForgeClient, redactText } from "../../providers/forge";
import { withRedisOverSsh } from "../../providers/redis";
import { withSsh } from "../../providers/ssh";
import type { PlainConfig } from "../../stacks/config-rules";
import type { ConfigEntries } from "../cli-config";
import { resolvePreviewNames } from "../pulumi/preview-stack";
import { type PreviewSummary, parsePreviewStack } from "../pulumi/preview-summary";
import { memoryPercent } from "./headroom";
import { type MysqlFacts, readMasterAges, readMysqlFacts } from "./mysql-facts";
import { type RedisDbFacts, type RedisDbRequest, SAMPLE_KEYS, readRedisFacts } from "./redis-facts";
import { serverAccess } from "./server-access";
import { type DiskMetrics, type ServerMetrics, readServerMetrics } from "./server-metrics";

/** Where Forge keeps every site (and so every preview's files). */
export const SITES_PATH = "/home";
/** Deployments of one preview counted for its success rate, newest first. */
export const DEPLOYMENT_HISTORY = 50;
const DAY_MS = 86_400_000;

export interface MasterStatus {
  app: string;
  database: string;
  sizeBytes: number | null;
  /** When its data was taken from production (its clone mark); null when unknown. */
  takenAt: string | null;
  ageDays: number | null;
}

export interface ServerStatus {
  serverId: number;
  host: string;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  cpus: number | null;
  memoryTotalBytes: number | null;
  memoryUsedBytes: number | null;
  memoryPercent: number | null;
  /** The filesystems of the sites (`/home`) and of MySQL's datadir. */
  disks: (DiskMetrics & { role: "sites" | "mysql" })[];
  /** Sites on the server under `previewDomain`, as Forge lists them. */
  activePreviewSites: number | null;
  masters: MasterStatus[];
  floors: PlainConfig["headroom"];
}

export interface PreviewStatus {
  stack: string;
  app: string;
  pr: number;
  branch: string | null;
  url: string | null;
  status: PreviewSummary["status"];
  createdAt: string | null;
  lastUpdate: string | null;
  ageDays: number | null;
  database: { name: string; sizeBytes: number | null; tables: number | null };
  /** `memoryBytes` is an estimate: see `memoryMethod`. */
  redis: (RedisDbFacts & { memoryMethod: string }) | null;
  /** Succeeded and failed among the newest deployments Forge lists; `successRate` from 0 to 1, null with none ended. */
  deployments: { counted: number; succeeded: number; failed: number; successRate: number | null } | null;
  /** The statuses of the site's background processes (its queue worker), as Forge reports them. */
  worker: { processes: { id: number; status: string }[] } | null;
}

export interface StatusReport {
  generatedAt: string;
  server: ServerStatus;
  previews: PreviewStatus[];
  problems: string[];
}

export interface PreviewInput {
  summary: PreviewSummary;
  /** The stack's outputs (siteId, databaseName, redisDb); empty when the first `up` failed. */
  outputs: Record<string, unknown>;
}

export interface StatusInputs {
  config: PlainConfig;
  /** The configuration entries with the secrets (SSH key, MySQL and Redis passwords). */
  entries: ConfigEntries;
  previews: readonly PreviewInput[];
  /** Null reads nothing from Forge (its figures stay null). */
  forge: ForgeClient | null;
  now: Date;
}

export async function collectStatus(inputs: StatusInputs): Promise<StatusReport> {
  const { config, entries, now } = inputs;
  const problems: string[] = [];
  const secrets = Object.values(entries)
    .filter((e) => e.secret && e.value !== "")
    .map((e) => e.value);
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (error) {
      problems.push(`${what}: ${redactText(error instanceof Error ? error.message : String(error), secrets)}`);
      return null;
    }
  };
  const access = await attempt("ssh", async () => serverAccess(config, entries));
  const masters = Object.values(config.apps).map((app) => ({ app: app.name, database: app.masterDatabase }));

  const onServer =
    access === null
      ? null
      : await attempt(`ssh ${config.ssh.user}@${config.ssh.host}:${config.ssh.port}`, () =>
          withSsh(access.ssh, async (session) => {
            const mysql = await attempt("mysql", () => readMysqlFacts(session, access.mysql));
            const paths = mysql === null ? [SITES_PATH] : [SITES_PATH, mysql.dataDir];
            const metrics = await attempt("server metrics", () => readServerMetrics(session, { paths }));
            const ages = await attempt("master ages", () =>
              readMasterAges(
                session,
                access.mysql,
                masters.map((m) => m.database),
              ),
            );
            return { mysql, metrics, ages };
          }),
        );
  const mysql: MysqlFacts | null = onServer?.mysql ?? null;
  const metrics: ServerMetrics | null = onServer?.metrics ?? null;

  const requests = inputs.previews.flatMap((p) => redisRequestOf(p, config));
  const redis =
    access === null || requests.length === 0
      ? null
      : await attempt("redis", () =>
          withRedisOverSsh(access.ssh, access.redis, (client) => readRedisFacts(client, requests)),
        );

  const forge = inputs.forge;
  const serverId = config.forge.serverId;
  const activePreviewSites =
    forge === null
      ? null
      : await attempt("forge sites", async () => {
          const sites = await forge.sites.list(serverId).all();
          return sites.filter((s) => s.name.endsWith(`.${config.previewDomain}`)).length;
        });

  const previews: PreviewStatus[] = [];
  for (const input of inputs.previews) {
    const { summary, outputs } = input;
    const siteId = typeof outputs.siteId === "number" ? outputs.siteId : null;
    const databaseName = databaseNameOf(input, config);
    const size = mysql?.sizes.get(databaseName);
    const db = typeof outputs.redisDb === "number" ? outputs.redisDb : null;
    const facts = redis?.find((r) => r.db === db) ?? null;
    const deployments =
      forge === null || siteId === null
        ? null
        : await attempt(`forge deployments of ${summary.stack}`, () => readDeployments(forge, serverId, siteId));
    const worker =
      forge === null || siteId === null
        ? null
        : await attempt(`forge background processes of ${summary.stack}`, async () => ({
            processes: (await forge.backgroundProcesses.list(serverId, { siteId }).all()).map((p) => ({
              id: p.id,
              status: String(p.status),
            })),
          }));
    previews.push({
      stack: summary.stack,
      app: summary.app,
      pr: summary.pr,
      branch: summary.branch,
      url: summary.url,
      status: summary.status,
      createdAt: summary.createdAt,
      lastUpdate: summary.lastUpdate,
      ageDays: summary.ageDays,
      database: {
        name: databaseName,
        sizeBytes: mysql === null ? null : (size?.bytes ?? 0),
        tables: mysql === null ? null : (size?.tables ?? 0),
      },
      redis: facts === null ? null : { ...facts, memoryMethod: describeMemoryMethod(facts) },
      deployments,
      worker,
    });
  }

  const disks: ServerStatus["disks"] = (metrics?.disks ?? []).map((disk, index) => ({
    role: index === 0 ? "sites" : "mysql",
    ...disk,
  }));
  return {
    generatedAt: now.toISOString(),
    server: {
      serverId,
      host: config.ssh.host,
      load1: metrics?.load1 ?? null,
      load5: metrics?.load5 ?? null,
      load15: metrics?.load15 ?? null,
      cpus: metrics?.cpus ?? null,
      memoryTotalBytes: metrics?.memoryTotalBytes ?? null,
      memoryUsedBytes: metrics?.memoryUsedBytes ?? null,
      memoryPercent: metrics === null ? null : Math.round(memoryPercent(metrics) * 10) / 10,
      disks,
      activePreviewSites,
      masters: masters.map(({ app, database }) => {
        const takenAt = onServer?.ages?.get(database) ?? null;
        const takenMs = takenAt === null ? NaN : Date.parse(takenAt);
        return {
          app,
          database,
          sizeBytes: mysql === null ? null : (mysql.sizes.get(database)?.bytes ?? null),
          takenAt,
          ageDays: Number.isNaN(takenMs) ? null : Math.floor(((now.getTime() - takenMs) / DAY_MS) * 10) / 10,
        };
      }),
      floors: config.headroom,
    },
    previews,
    problems,
  };
}

/** The preview's Redis database and queues; none when its stack records no database (a failed first `up`). */
function redisRequestOf(input: PreviewInput, config: PlainConfig): RedisDbRequest[] {
  const db = input.outputs.redisDb;
  if (typeof db !== "number") return [];
  const names = namesOf(input, config);
  const app = names === null ? undefined : config.apps[names.app];
  const queues =
    app === undefined || app.queue.connection !== "redis"
      ? []
      : app.queue.queues
          .split(",")
          .map((q) => q.trim())
          .filter((q) => q !== "");
  return [{ db, prefix: names?.redisPrefix ?? "", queues }];
}

function namesOf(input: PreviewInput, config: PlainConfig): ReturnType<typeof resolvePreviewNames> | null {
  const ref = parsePreviewStack(input.summary.stack);
  if (ref === null) return null;
  try {
    return resolvePreviewNames(ref, config);
  } catch {
    return null;
  }
}

function databaseNameOf(input: PreviewInput, config: PlainConfig): string {
  const recorded = input.outputs.databaseName;
  if (typeof recorded === "string" && recorded !== "") return recorded;
  return namesOf(input, config)?.database ?? "";
}

function describeMemoryMethod(facts: RedisDbFacts): string {
  if (facts.memoryBytes === null) return "unknown: this Redis has no MEMORY USAGE";
  if (facts.sampledKeys >= facts.keys) return `exact: MEMORY USAGE of all ${facts.keys} keys`;
  return `estimate: mean MEMORY USAGE of ${facts.sampledKeys} sampled keys (at most ${SAMPLE_KEYS}) × ${facts.keys} keys`;
}

async function readDeployments(
  forge: ForgeClient,
  serverId: number,
  siteId: number,
): Promise<NonNullable<PreviewStatus["deployments"]>> {
  let counted = 0;
  let succeeded = 0;
  let failed = 0;
  for await (const deployment of forge.deployments.list(serverId, siteId, { sort: "-created_at" })) {
    if (counted >= DEPLOYMENT_HISTORY) break;
    counted += 1;
    if (deployment.status === "finished") succeeded += 1;
    else if (deployment.status === "failed" || deployment.status === "failed-build") failed += 1;
  }
  const ended = succeeded + failed;
  return {
    counted,
    succeeded,
    failed,
    successRate: ended === 0 ? null : Math.round((succeeded / ended) * 1000) / 1000,
  };
}
