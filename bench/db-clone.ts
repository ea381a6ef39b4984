/**
 * Benchmark of the clone engine (issue #5): generates a master of `--size-gb` GB of .ibd files on a MariaDB started
 * for the run, then times, in one run and each from a cold start (server restarted, OS page cache dropped when the
 * kernel allows it): a raw `cp` + `sync` of the master's .ibd files, the streamed pipe (`stream-dump`, the baseline),
 * `parallel-dump`, `transport` and `auto`, each verified with row counts, and `auto` once more with full
 * `CHECKSUM TABLE` verification, whose cost is printed on its own line. Every clone goes through `cloneDatabase`
 * over SSH to a local sshd, as a preview stack's would.
 *
 *   npx ts-node --transpile-only bench/db-clone.ts [--size-gb 1] [--runs 1] [--methods stream-dump,parallel-dump,transport,auto] [--stock-forge]
 *
 * `--stock-forge` clones as a stock Forge server's SSH user: a Linux user made for the run (so the bench must run as
 * root), not root, whose sudo asks for its password. It times the pipe, `auto` without `sudoPassword` (no file
 * access: the dump path, rows copied inside the server by INSERT ... SELECT) and `auto` with it (transport through
 * `sudo -S`).
 *
 * Targets (judged at 1 GB and above, where fixed DDL costs no longer dominate): `auto` with counts at least 25x
 * faster than the pipe and at most 3x the raw copy; with `--stock-forge`, also the dump path at least 2.5x faster
 * than the pipe. Exit status 1 when a judged target is missed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type Connection, createConnection } from "mysql2/promise";
import {
  type CloneResult,
  type CommandRunner,
  type MysqlAccess,
  type RequestedMethod,
  type VerifyLevel,
  cloneDatabase,
  sealDatabase,
} from "../providers/db-clone";
import { SshSession } from "../providers/ssh";
import { type LocalServices, type MariaDbEndpoint, startLocalServices } from "../tools/sandbox/local-services";
import { createMaster, markAsVerifiedClone } from "../test/support/master-fixture";
import { USAGE, parseBenchArgs } from "./db-clone-args";
import { dropPageCache, tablespacesOf, timeRawCopy } from "./db-clone-files";
import {
  type Measurement,
  buildRows,
  checkDumpPathTarget,
  checkTargets,
  describeDataPath,
  formatTable,
  median,
} from "./db-clone-report";
import * as stock from "../test/support/sudo-user";

const MASTER = "bench_master";
/** Owns the master's clone mark, as the snapshots stack owns a real master's. */
const MASTER_OWNER = "forge-previews-bench-snapshots";
const TARGET = "bench_pr_1";
const RAW_COPY = "raw copy (cp *.ibd + sync)";
const PIPE: RequestedMethod = "stream-dump";
/** The stock-Forge rows besides the pipe: `auto` without file access, and `auto` with the sudo password. */
const DUMP_PATH = "auto, no file access (dump path)";
const AUTO = "auto";
/** The research note's server had a 1 GB buffer pool; the local services start with 64 MB, resizable at runtime. */
const BUFFER_POOL_BYTES = 1024 ** 3;
/** Fixture scales measured to predict the scale of the real master (about 20 and 80 MB of files). */
const PROBE_SCALES = [40, 160] as const;

/** MariaDB in a directory of its own, restartable with its data (persistent mode) so every timed run starts cold. */
class BenchDatabase {
  private services: LocalServices | undefined;
  private connection: Connection | undefined;

  constructor(private readonly dir: string) {}

  get endpoint(): MariaDbEndpoint {
    const mariadb = this.services?.mariadb;
    if (mariadb === undefined) throw new Error("the bench MariaDB is not running");
    return mariadb;
  }

  get conn(): Connection {
    if (this.connection === undefined) throw new Error("the bench MariaDB is not connected");
    return this.connection;
  }

  /** (Re)starts mariadbd: an empty buffer pool, grown to the research note's size. */
  async start(): Promise<void> {
    await this.stop();
    this.services = await startLocalServices({ only: ["mariadb"], dir: this.dir, persistent: true });
    const m = this.endpoint;
    this.connection = await createConnection({
      socketPath: m.socket,
      user: m.user,
      password: m.password,
      multipleStatements: true,
    });
    await this.conn.query(`SET GLOBAL innodb_buffer_pool_size = ${BUFFER_POOL_BYTES}`);
    // The resize runs in the background; an empty pool grows in well under a second.
    for (let i = 0; i < 300; i++) {
      const [rows] = await this.conn.query("SELECT @@innodb_buffer_pool_size AS size");
      if (Number((rows as { size: unknown }[])[0]?.size) >= BUFFER_POOL_BYTES) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `innodb_buffer_pool_size did not reach ${BUFFER_POOL_BYTES} bytes within 30 s; see ${this.dir}/mariadb/mariadb.log`,
    );
  }

  async stop(): Promise<void> {
    await this.connection?.end().catch(() => undefined);
    this.connection = undefined;
    await this.services?.stop();
    this.services = undefined;
  }

  /** The master's seal as stored in its mark (JSON), or null; {@link restoreSeal} puts it back. */
  async takeSeal(): Promise<string | null> {
    const [rows] = await this.conn.query(`SELECT seal FROM \`${MASTER}\`._forge_previews_clone WHERE id = 1`);
    await this.conn.query(`UPDATE \`${MASTER}\`._forge_previews_clone SET seal = NULL WHERE id = 1`);
    return ((rows as { seal: string | null }[])[0]?.seal ?? null) as string | null;
  }

  async restoreSeal(seal: string | null): Promise<void> {
    await this.conn.query(`UPDATE \`${MASTER}\`._forge_previews_clone SET seal = ? WHERE id = 1`, [seal]);
  }

  async dropClone(): Promise<void> {
    await this.conn.query(`DROP DATABASE IF EXISTS \`${TARGET}\``);
  }

  async rowCount(database: string): Promise<number> {
    const [rows] = await this.conn.query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      [database],
    );
    let total = 0;
    for (const { name } of rows as { name: string }[]) {
      const [count] = await this.conn.query(`SELECT COUNT(*) AS n FROM \`${database}\`.\`${name}\``);
      total += Number((count as { n: unknown }[])[0]?.n);
    }
    return total;
  }
}

function serverTablespaceBytes(db: BenchDatabase): number {
  return tablespacesOf(db.endpoint.dataDir, MASTER).bytes;
}

/**
 * Generates the master in the server (SEQUENCE engine), scaled so its .ibd files reach `bytes`. The files grow less
 * than linearly with the fixture's scale (about scale^0.8 from 0.1 to 1 GB: fixed extents, denser pages at size), so
 * two small probes fit bytes = c * scale^k, which predicts a little over the target; a short master is regenerated.
 */
async function generateMaster(
  db: BenchDatabase,
  bytes: number,
  log: (line: string) => void,
): Promise<{ scale: number; seconds: number }> {
  // Above fixture scale ~680 the fixture's order times (one hour apart) run past TIMESTAMP's end in 2038; a
  // non-strict session stores those as zero dates with a warning instead of failing. Size and shape stay the same.
  await db.conn.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  const sizeAt = async (scale: number): Promise<number> => {
    await createMaster(db.conn, { name: MASTER, scale });
    const got = serverTablespaceBytes(db);
    log(`  fixture scale ${scale}: ${got} bytes`);
    return got;
  };
  const [small, large] = PROBE_SCALES;
  const atSmall = await sizeAt(small);
  const atLarge = await sizeAt(large);
  const exponent = Math.log(atLarge / atSmall) / Math.log(large / small);
  let scale = Math.max(small, Math.ceil(large * (bytes / atLarge) ** (1 / exponent)));
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = process.hrtime.bigint();
    const got = await sizeAt(scale);
    if (got >= bytes) return { scale, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
    scale = Math.ceil(scale * (bytes / got) * 1.03);
  }
  throw new Error(`the master stayed below ${bytes} bytes up to fixture scale ${scale}; raise PROBE_SCALES`);
}

interface Run {
  seconds: number;
  result: CloneResult;
  /** Seconds from the start of the file copy to the start of verification (transport only): the data path. */
  dataPathSeconds: number | null;
}

/** One timed row: the method asked for, and whether the SSH user's sudo password comes with it (stock Forge). */
interface Variant {
  label: string;
  method: RequestedMethod;
  sudoPassword: string | null;
}

function accessOf(db: BenchDatabase, sudoPassword: string | null = null): MysqlAccess {
  const m = db.endpoint;
  return { user: m.user, password: m.password, socket: m.socket, dataDir: m.dataDir, sudoPassword };
}

async function timeClone(
  session: CommandRunner,
  db: BenchDatabase,
  method: RequestedMethod,
  verify: VerifyLevel,
  sudoPassword: string | null = null,
): Promise<Run> {
  const start = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
  let copyStarted: number | null = null;
  let verifyStarted: number | null = null;
  const result = await cloneDatabase(session, {
    source: MASTER,
    target: TARGET,
    method,
    verify,
    owner: "forge-previews-bench",
    protectedDatabases: [MASTER],
    isAllowedTarget: (name) => name === TARGET,
    targetRule: `the bench's clone \`${TARGET}\``,
    createTarget: true,
    access: accessOf(db, sudoPassword),
    // Stamped progress shows where a slow clone spends its time (stderr, so stdout stays the report).
    log: (line) => {
      const at = seconds();
      if (line.startsWith("copying the files of")) copyStarted = at;
      if (line.startsWith("verifying the clone")) verifyStarted = at;
      process.stderr.write(`  ${at.toFixed(2)} s ${line}\n`);
    },
  });
  const dataPathSeconds = copyStarted !== null && verifyStarted !== null ? verifyStarted - copyStarted : null;
  return { seconds: seconds(), result, dataPathSeconds };
}

function describeMachine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  let memory = "";
  try {
    const total = /MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1];
    if (total !== undefined) memory = `, ${(Number(total) / 1024 ** 2).toFixed(0)} GiB RAM`;
  } catch {
    // Not Linux: the line just has no memory figure.
  }
  return `${cpus().length} CPU (${cpus()[0]?.model.trim() ?? "unknown"})${memory}, load average ${load}`;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.stockForge && stock.SUDO_USER_SKIP_REASON !== null)
    throw new Error(`--stock-forge ${stock.SUDO_USER_SKIP_REASON}`);
  const base = mkdtempSync(join(tmpdir(), "fp-bench-clone-"));
  const db = new BenchDatabase(join(base, "db"));
  let ssh: LocalServices | undefined;
  let session: SshSession | undefined;
  let user: stock.SudoUser | undefined;
  let closePath: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  const cleanup = () =>
    (stopping ??= (async () => {
      await session?.close().catch(() => undefined);
      await ssh?.stop();
      await db.stop();
      closePath?.();
      if (user !== undefined) stock.removeSudoUser(user);
      rmSync(`/tmp/forge-previews-export-${MASTER}.lock`, { force: true });
      rmSync(base, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the bench's MariaDB and sshd\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(`machine: ${describeMachine()}`);
    [ssh] = await Promise.all([startLocalServices({ only: ["ssh"] }), db.start()]);
    const sshEndpoint = ssh.ssh;
    if (sshEndpoint === undefined) throw new Error("sshd did not start");
    session = await SshSession.connect({
      host: sshEndpoint.host,
      port: sshEndpoint.port,
      user: sshEndpoint.user,
      privateKey: sshEndpoint.privateKey,
      hostKeyFingerprint: sshEndpoint.hostKeyFingerprint,
    });
    // Stock Forge: every command runs as a user that is not root and whose sudo asks for its password.
    let runner: CommandRunner = session;
    let password: string | null = null;
    if (args.stockForge) {
      user = stock.createSudoUser("fpvbench");
      closePath = stock.openPathTo(db.endpoint.socket);
      runner = new stock.AsUserRunner(session, user);
      password = user.password;
      log(`SSH user: ${user.name} (not root; sudo asks for its password)`);
    }
    const variants: Variant[] = args.stockForge
      ? [
          { label: PIPE, method: PIPE, sudoPassword: null },
          { label: DUMP_PATH, method: "auto", sudoPassword: null },
          { label: AUTO, method: "auto", sudoPassword: password },
        ]
      : args.methods.map((method) => ({ label: method, method, sudoPassword: null }));
    const [versionRows] = await db.conn.query("SELECT VERSION() AS v");
    const version = String((versionRows as { v: unknown }[])[0]?.v);

    const wantBytes = args.sizeGb * 1e9;
    log(`generating ${MASTER} (${args.sizeGb} GB of .ibd files) inside the server...`);
    const generation = await generateMaster(db, wantBytes, log);
    const files = tablespacesOf(db.endpoint.dataDir, MASTER);
    const rows = await db.rowCount(MASTER);
    log(
      `generated in ${generation.seconds.toFixed(1)} s (fixture scale ${generation.scale}): ${files.bytes} bytes, ${rows} rows`,
    );
    // As the snapshots stack leaves a master: marked as its verified clone, then sealed.
    await markAsVerifiedClone(db.conn, MASTER, MASTER_OWNER);
    const sealStart = process.hrtime.bigint();
    const seal = await sealDatabase(runner, { database: MASTER, owner: MASTER_OWNER, access: accessOf(db, password) });
    const sealSeconds = Number(process.hrtime.bigint() - sealStart) / 1e9;
    if (!seal.sealed) throw new Error(`the master was not sealed: ${seal.detail}`);
    log(`sealed ${seal.tables} tables in ${sealSeconds.toFixed(1)} s`);

    const measurements: Measurement[] = [{ label: RAW_COPY, seconds: [] }];
    for (const { label } of variants) measurements.push({ label, seconds: [] });
    const checksum: Measurement = { label: "auto, verify checksum", seconds: [] };
    const unsealed: Measurement = { label: "auto, master not sealed", seconds: [] };
    const autoCounts = measurements.find((m) => m.label === "auto");
    const chosen = new Map<string, CloneResult>();
    const autoDataPath: number[] = [];
    let cache = "";

    // Each timed step starts cold: no clone, a restarted server (empty buffer pool), dirty pages synced, caches dropped.
    const coldStart = async () => {
      await db.dropClone();
      await db.start();
      cache = (await dropPageCache()).detail;
    };
    const scratch = join(base, "raw-copy");
    for (let run = 1; run <= args.runs; run++) {
      await coldStart();
      const raw = await timeRawCopy(files, scratch);
      measurements[0]?.seconds.push(raw);
      log(`run ${run}/${args.runs} ${RAW_COPY}: ${raw.toFixed(2)} s`);
      for (const { label, method, sudoPassword } of variants) {
        await coldStart();
        const { seconds, result, dataPathSeconds } = await timeClone(runner, db, method, "counts", sudoPassword);
        measurements.find((m) => m.label === label)?.seconds.push(seconds);
        if (label === AUTO && dataPathSeconds !== null) autoDataPath.push(dataPathSeconds);
        chosen.set(label, result);
        log(
          `run ${run}/${args.runs} ${label} (verify counts): ${seconds.toFixed(2)} s, ${result.method}, ${result.rows} rows, against ${result.verifiedAgainst}`,
        );
        if (result.rows !== rows) throw new Error(`${label} cloned ${result.rows} rows, the master has ${rows}`);
      }
      if (autoCounts !== undefined && !args.stockForge) {
        await coldStart();
        const { seconds, result } = await timeClone(session, db, "auto", "checksum");
        checksum.seconds.push(seconds);
        log(`run ${run}/${args.runs} auto (verify checksum): ${seconds.toFixed(2)} s, ${result.method}`);
        await coldStart();
        const kept = await db.takeSeal();
        try {
          const withoutSeal = await timeClone(session, db, "auto", "counts");
          unsealed.seconds.push(withoutSeal.seconds);
          log(
            `run ${run}/${args.runs} auto (verify counts, master not sealed): ${withoutSeal.seconds.toFixed(2)} s, against ${withoutSeal.result.verifiedAgainst}`,
          );
        } finally {
          await db.restoreSeal(kept);
        }
      }
    }
    await db.dropClone();

    const tableRows = buildRows(measurements, files.bytes, PIPE, RAW_COPY);
    const auto = tableRows.find((r) => r.label === "auto");
    const pick = chosen.get(AUTO);
    const dumpPath = chosen.get(DUMP_PATH);
    const out: string[] = [
      "",
      `machine: ${describeMachine()}`,
      `server: MariaDB ${version} from tools/sandbox/local-services (innodb_buffer_pool_size raised to 1 GiB at runtime; binlog off, ` +
        "innodb_flush_log_at_trx_commit=2, doublewrite and buffer pool dump/load off as that module starts it), restarted before every timed step",
      `page cache: ${cache}`,
      `master: ${(files.bytes / 1e9).toFixed(2)} GB of .ibd files (${files.bytes} bytes, ${files.paths.length} files), ${rows} rows, ` +
        `generated in ${generation.seconds.toFixed(1)} s`,
      `runs: ${args.runs} per method (median shown); clones verified with row counts; MB/s = source .ibd bytes / seconds`,
      `seal: the master is sealed as the snapshots stack seals a refreshed master (${sealSeconds.toFixed(1)} s: counts, checksums and file ` +
        "identities under an export lock); a transport clone then counts only itself and compares with the seal",
      "",
      formatTable(tableRows),
      "",
    ];
    if (pick !== undefined) {
      const fallback =
        pick.fallbackTables.length === 0
          ? ""
          : `; fallback tables: ${pick.fallbackTables.map((t) => `${t.name} (${t.reason})`).join(", ")}`;
      out.push(`auto chose ${pick.method}: ${pick.reason}${fallback}`);
    }
    if (user !== undefined) {
      out.push(
        `SSH user: ${user.name}, not root; its sudo asks for a password (given as sudoPassword to \`auto\` only)`,
      );
    }
    if (dumpPath !== undefined) out.push(`${DUMP_PATH} chose ${dumpPath.method}: ${dumpPath.reason}`);
    if (checksum.seconds.length > 0 && autoCounts !== undefined) {
      const withSums = median(checksum.seconds);
      const withCounts = median(autoCounts.seconds);
      const cost = withSums - withCounts;
      out.push(
        `checksum verification cost: ${cost.toFixed(2)} s (auto with verify "checksum" ${withSums.toFixed(2)} s against ` +
          `${withCounts.toFixed(2)} s with "counts", ${(withSums / withCounts).toFixed(2)}x${cost < 0 ? "; below run-to-run noise" : ""})`,
      );
    }
    if (unsealed.seconds.length > 0 && autoCounts !== undefined) {
      const pipeRow = tableRows.find((r) => r.label === PIPE);
      const without = median(unsealed.seconds);
      const versusPipe =
        pipeRow === undefined ? "" : `, ${(pipeRow.seconds / without).toFixed(1)}x faster than the pipe`;
      out.push(`auto with the master not sealed (the master counted again): ${without.toFixed(2)} s${versusPipe}`);
    }
    const dumpVerdict = args.stockForge
      ? checkDumpPathTarget(tableRows.find((r) => r.label === DUMP_PATH))
      : { lines: [], met: true };
    const verdict = checkTargets(auto);
    out.push(...verdict.lines, ...dumpVerdict.lines);
    const pipeRow = tableRows.find((r) => r.label === PIPE);
    const rawRow = tableRows.find((r) => r.label === RAW_COPY);
    if (autoDataPath.length > 0 && pipeRow !== undefined && rawRow !== undefined) {
      out.push(...describeDataPath(median(autoDataPath), pipeRow.seconds, rawRow.seconds));
    }
    if (args.sizeGb < 1) {
      out.push(
        `targets are set at 1 GB; at ${args.sizeGb} GB fixed per-clone costs dominate, so they are reported, not judged`,
      );
    } else if (!verdict.met || !dumpVerdict.met) {
      process.exitCode = 1;
    }
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${USAGE}\n`);
  process.exitCode = 1;
});
