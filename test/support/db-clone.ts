import { rmSync } from "node:fs";
import { isPreviewDatabaseName } from "../../providers/common/ownership";
import type { CloneOptions, CommandRunner, MysqlAccess, RunOptions, RunResult } from "../../providers/db-clone";
import { SshSession } from "../../providers/ssh";
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
