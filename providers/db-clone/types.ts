/**
 * Types of the clone engine. The engine runs every command on the database server through a {@link CommandRunner}
 * (an `SshSession` is one), so nothing here talks to MySQL from the machine running Pulumi.
 */

/** What the engine needs from a remote shell; `SshSession` from providers/ssh satisfies it as is. */
export interface CommandRunner {
  exec(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface RunOptions {
  /** Sent to the command's standard input, which is then closed. */
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Most bytes of stdout (and of stderr) kept; the runner keeps the tail. */
  maxOutputBytes?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  signal?: string | null;
}

/** How a MySQL account is reached on the server. The password only ever travels in a 0600 option file. */
export interface MysqlAccess {
  user: string;
  /** Null for accounts that log in without one (e.g. root through unix_socket when the SSH user is root). */
  password: string | null;
  /** Null lets the client use its compiled-in default socket. */
  socket: string | null;
  /** Null reads `@@datadir` from the server. */
  dataDir: string | null;
  /**
   * The SSH user's sudo password (a stock Forge server's `forge`), for the datadir's files when sudo asks for one. It
   * travels like the MySQL password: on stdin into a 0600 file in the work directory, read by `sudo -S` on its stdin.
   */
  sudoPassword?: string | null;
}

/** The copy methods, fastest first. */
export const CLONE_METHODS = ["transport", "parallel-dump", "stream-dump"] as const;
export type CloneMethod = (typeof CLONE_METHODS)[number];
export type RequestedMethod = "auto" | CloneMethod;
export const REQUESTED_METHODS: readonly RequestedMethod[] = ["auto", ...CLONE_METHODS];

/**
 * How a clone is compared with its source afterwards. `checksum`: table list, row counts and `CHECKSUM TABLE`;
 * `counts`: table list and row counts; `objects`: table list and schema objects only, for a live source whose rows
 * keep changing while it is read (its data cannot be compared after the fact).
 */
export type VerifyLevel = "checksum" | "counts" | "objects";

/** Called at fixed points of a clone; for tests that tamper with a copy and for progress reporting. */
export interface CloneHooks {
  /** After the data is in the target and before the schema objects (transport: after the files were copied). */
  afterCopy?(context: HookContext): Promise<void>;
  /** After everything was copied, right before verification. */
  beforeVerify?(context: HookContext): Promise<void>;
}

export interface HookContext {
  runner: CommandRunner;
  source: string;
  target: string;
  method: CloneMethod;
  dataDir: string;
}

export interface CloneOptions {
  source: string;
  target: string;
  /** @default "auto" */
  method?: RequestedMethod;
  /** @default "checksum" */
  verify?: VerifyLevel;
  /** Written into the target's clone mark; only a target empty or marked by the same owner is ever written. */
  owner: string;
  /** A new token makes a clone over an adoptable one (see `adopt`); stored as a SHA-256 in the mark. @default "" */
  resetToken?: string;
  /** Databases that are never a target: production, snapshot masters. */
  protectedDatabases: readonly string[];
  /** The naming rule a target must satisfy, e.g. `isPreviewDatabaseName`; `targetRule` describes it in errors. */
  isAllowedTarget(name: string): boolean;
  targetRule: string;
  /** Create the target database (with the source's character set) when it does not exist. @default false */
  createTarget?: boolean;
  /**
   * The source is being written while it is read (production). `auto` then uses one `--single-transaction` dump,
   * the only method that reads a live database consistently without blocking its writes. @default false
   */
  liveSource?: boolean;
  /**
   * Keep the target as it is when its mark says it is a verified clone by `owner` of `source` with the same
   * `resetToken`, and return the recorded result (a lost state must not wipe a PR's test data). @default false
   */
  adopt?: boolean;
  /** Scripts run in the target, in order, after verification (masking, anonymisation). @default [] */
  postCloneSql?: readonly string[];
  access: MysqlAccess;
  /** Concurrent per-table loads. @default 2 */
  parallelism?: number;
  /** Deadline of each long step (a dump, a load, a copy). @default 3 hours */
  stepTimeoutMs?: number;
  hooks?: CloneHooks;
  /** Progress lines; they never hold credentials. */
  log?(message: string): void;
}

export interface TableResult {
  name: string;
  rows: number;
  /** `CHECKSUM TABLE` of the clone, or null when checksums were not compared. */
  checksum: string | null;
  /** How this table's data travelled: its file, or a dump. */
  copiedBy: "file" | "dump";
}

export interface CloneResult {
  source: string;
  target: string;
  method: CloneMethod;
  /** Why `auto` chose `method`, or that it was requested. */
  reason: string;
  /** Tables a transport clone sent through dump/load instead, each with its reason. */
  fallbackTables: { name: string; reason: string }[];
  tables: TableResult[];
  rows: number;
  /** Data plus index bytes of the source tables, as the server reports them. */
  bytes: number;
  seconds: number;
  verifiedWith: VerifyLevel;
  /**
   * What the clone's rows were compared with: the source as measured during the clone, or the seal a master carries
   * when every table file was unchanged since it was sealed (see db-clone/seal.ts).
   */
  verifiedAgainst: "source" | "seal";
  /** ISO time the data reflects: the source's own snapshot time (from its mark) or its newest table's creation. */
  sourceSnapshotAt: string | null;
  /** ISO time the clone started reading the source. */
  startedAt: string;
  finishedAt: string;
  /** True when `adopt` kept an existing verified clone instead of copying. */
  adopted: boolean;
}
