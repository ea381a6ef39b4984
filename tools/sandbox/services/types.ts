/** The local services the test suite and the sandbox can start. */
export type ServiceName = "mariadb" | "redis" | "ssh";

export const SERVICE_NAMES: readonly ServiceName[] = ["mariadb", "redis", "ssh"];

/** How a local service starts. */
export interface ServiceStartOptions {
  /** The port to listen on; `undefined` picks a free one. */
  port: number | undefined;
  /** Keep the service's data and secrets in its directory and reuse them on the next start. */
  persistent: boolean;
}

/** A MariaDB server with real grants; `user` may do anything, including `GRANT`. */
export interface MariaDbEndpoint {
  host: "127.0.0.1";
  port: number;
  user: string;
  password: string;
  /** Unix socket of the same server; `user`/`password` work on it too. */
  socket: string;
  dataDir: string;
}

/** A Redis server with 16 databases; its data outlives a restart only in persistent mode. */
export interface RedisEndpoint {
  host: "127.0.0.1";
  port: number;
  password: string;
}

/** An OpenSSH server that accepts exactly one client key and allows TCP forwarding. */
export interface SshEndpoint {
  host: "127.0.0.1";
  port: number;
  user: string;
  /** OpenSSH-format private key (unencrypted ed25519). */
  privateKey: string;
  privateKeyPath: string;
  /** `ssh-ed25519 AAAA... comment`, as written to `authorized_keys`. */
  publicKey: string;
  /** `SHA256:...`, exactly as `ssh-keygen -lf` prints it for the host key. */
  hostKeyFingerprint: string;
  /** `ssh-ed25519 AAAA... comment`, usable in a `known_hosts` line. */
  hostPublicKey: string;
}

export interface LocalServices {
  dir: string;
  mariadb?: MariaDbEndpoint;
  redis?: RedisEndpoint;
  ssh?: SshEndpoint;
  /** Stops every process this handle started and removes `dir` unless the caller supplied it. Idempotent. */
  stop(): Promise<void>;
}

export interface StartLocalServicesOptions {
  /**
   * Directory for data, keys, configs and logs. It is kept on `stop()`.
   * @default a new directory under the OS temp dir, removed on `stop()`
   */
  dir?: string;
  /** @default all of `SERVICE_NAMES` */
  only?: ServiceName[];
  /** Fixed ports; a service without one gets the port it had last time (persistent mode) or else a free port. */
  ports?: Partial<Record<ServiceName, number>>;
  /**
   * Keep everything in `dir` for the next start with the same `dir`, and reuse what an earlier start left there:
   * MariaDB's data dir and root password, Redis's data (append-only file) and password, the SSH host and client keys,
   * and each service's port (in `<dir>/ports.json`). A recorded port another process holds now fails the start with a
   * RecordedPortTakenError before anything starts. Requires `dir`.
   * @default false: every start is fresh and `dir` must not hold an earlier run's service directories
   */
  persistent?: boolean;
  /** How to start afresh, quoted in errors about what a persistent `dir` recorded. @default "`rm -rf <dir>`" */
  resetHint?: string;
  /**
   * Directories searched for the service binaries, joined like PATH.
   * @default `PATH` followed by /usr/local/sbin, /usr/sbin and /sbin
   */
  binPath?: string;
}
