/**
 * One Forge server of a pool, as configuration lists it (see stacks/server-pool.ts) and as a resource that works on
 * another server than its stack's is told where: the Forge id, the SSH address and pinned host key, and the MySQL
 * socket and datadir ("" for the client's default socket and the server's `@@datadir`). No credentials: the SSH login,
 * its key and the MySQL account are the stack's, read at call time.
 */
export interface PoolServer {
  forgeServerId: number;
  sshHost: string;
  sshPort: number;
  sshHostKeyFingerprint: string;
  mysqlSocket: string;
  mysqlDataDir: string;
}
