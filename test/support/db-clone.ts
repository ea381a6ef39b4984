import { rmSync } from "node:fs";
import type { Connection } from "mysql2/promise";
import { isPreviewDatabaseName } from "../../providers/common/ownership";
import type { CloneOptions, CommandRunner, MysqlAccess, RunOptions, RunResult } from "../../providers/db-clone";
import { SshSession } from "../../providers/ssh";
import { connectAsRoot, dropDatabases, type Rows, rowsOf } from "./master-fixture";
import { sshTarget, testServices } from "./services";

/** The test MariaDB's root account, reached over its socket on the "server" (this machine, through sshd). */
export function rootAccess(): MysqlAccess {
  const { mariadb } = testServices();
  return { user: mariadb.user, password: mariadb.password, socket: mariadb.socket, dataDir: null };
}

export interface RecordedCall {
  argv: readonly string[];
  stdin: string;
}

/** A runner that records every command (argv and stdin) it passes on to the SSH session. */
export class RecordingRunner implements CommandRunner {
  readonly calls: RecordedCall[] = [];
  constructor(private readonly session: SshSession) {}

  exec(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push({ argv: [...argv], stdin: options?.stdin === undefined ? "" : String(options.stdin) });
    return this.session.exec(argv, options);
  }
}

export async function openRunner(): Promise<{ runner: RecordingRunner; session: SshSession }> {
  const session = await SshSession.connect(sshTarget());
  return { runner: new RecordingRunner(session), session };
}

/** Clone options as a preview stack would pass them, for `source` into `target`. */
export function previewCloneOptions(
  source: string,
  target: string,
  overrides: Partial<CloneOptions> = {},
): CloneOptions {
  return {
    source,
    target,
    owner: `forge-previews-test-${target}`,
    protectedDatabases: [source, "production_db"],
    isAllowedTarget: isPreviewDatabaseName,
    targetRule: "a preview database name `<app>_pr_<n>`",
    access: rootAccess(),
    ...overrides,
  };
}

/** Removes the export lock files transport clones of these sources left in the server's (this machine's) /tmp. */
export function removeExportLocks(...sources: string[]): void {
  for (const source of sources) rmSync(`/tmp/forge-previews-export-${source}.lock`, { force: true });
}

/** What a clone suite works with: the test MariaDB as root, and a recording runner over SSH to the server. */
export interface CloneServer {
  readonly conn: Connection;
  readonly runner: RecordingRunner;
  readonly session: SshSession;
  /** The rows a query on `conn` returns. */
  rows(sql: string, params?: unknown[]): Promise<Rows>;
}

export interface CloneServerOptions {
  /** Dropped before the block's tests (when `dropFirst`) and after them. */
  databases?: string[];
  dropFirst?: boolean;
  /** A MariaDB account of the block's own, created (anew) before its tests and dropped after them. */
  user?: { name: string; password: string };
  /** Sources whose transport clones may leave an export lock file behind, removed after the block's tests. */
  exportLocks?: string[];
  /** Sets the server up once the connection and the runner are open. */
  prepare?: (server: CloneServer) => Promise<void>;
}

/**
 * Registers the hooks every clone suite needs: a root connection and an SSH runner opened before the enclosing block's
 * tests and closed after them, with its databases, account and export locks cleaned up. Read the fields inside tests
 * and hooks; they are set by the time those run.
 */
export function useCloneServer(options: CloneServerOptions = {}): CloneServer {
  const server = {
    rows: (sql: string, params: unknown[] = []) => rowsOf(server.conn, sql, params),
  } as CloneServer & { conn: Connection; runner: RecordingRunner; session: SshSession };
  const { databases = [], user, exportLocks = [] } = options;
  beforeAll(async () => {
    server.conn = await connectAsRoot();
    if (options.dropFirst === true) await dropDatabases(server.conn, ...databases);
    if (user !== undefined) {
      await server.conn.query(`DROP USER IF EXISTS '${user.name}'@'localhost'`);
      await server.conn.query(`CREATE USER '${user.name}'@'localhost' IDENTIFIED BY ?`, [user.password]);
    }
    ({ runner: server.runner, session: server.session } = await openRunner());
    await options.prepare?.(server);
  });
  afterAll(async () => {
    removeExportLocks(...exportLocks);
    if (server.conn !== undefined) {
      await dropDatabases(server.conn, ...databases);
      if (user !== undefined) await server.conn.query(`DROP USER IF EXISTS '${user.name}'@'localhost'`);
      await server.conn.end();
    }
    await server.session?.close();
  });
  return server;
}
