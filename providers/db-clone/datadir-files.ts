/**
 * File operations inside MySQL's datadir, as root or through sudo (see privileged). Paths are built from plain names
 * only (see PLAIN_NAME), which MySQL stores unencoded, and every argument is quoted by buildShellCommand.
 */
import { buildShellCommand } from "../ssh";
import { RemoteCommandError, tailOfStderr } from "./errors";
import type { RemoteStep } from "./remote-steps";
import { type FileRights, privileged } from "./server-facts";
import { PLAIN_NAME } from "./sql";
import type { CommandRunner } from "./types";

const FILE_TIMEOUT_MS = 5 * 60_000;

/**
 * Splits tables into at most `streams` groups of about equal `weight` (heaviest first onto the lightest group): bytes
 * for a copy, rows for a COUNT(*).
 */
export function balanceTables<T extends { name: string }>(
  tables: readonly T[],
  streams: number,
  weight: (table: T) => number,
): string[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(streams, tables.length)) }, () => ({
    weight: 0,
    names: [] as string[],
  }));
  for (const table of [...tables].sort((a, b) => weight(b) - weight(a))) {
    const lightest = groups.reduce((min, group) => (group.weight < min.weight ? group : min));
    lightest.weight += weight(table);
    lightest.names.push(table.name);
  }
  return groups.map((group) => group.names).filter((names) => names.length > 0);
}

const EXPORT_LOCK_WAIT_S = 3600;

/**
 * `command` (a mysql session running FLUSH TABLES ... FOR EXPORT on `source`) behind a per-source lock file: a second
 * export of the same source would rewrite the .cfg files, and the first UNLOCK TABLES delete them, while the other
 * copies. Transport clones and the seal take it.
 */
export function underExportLock(source: string, command: string): string {
  if (!PLAIN_NAME.test(source))
    throw new Error(`export locks are only taken for plain database names, not ${JSON.stringify(source)}`);
  return `lock="\${TMPDIR:-/tmp}/forge-previews-export-${source}.lock"; flock -w ${EXPORT_LOCK_WAIT_S} "$lock" ${command}`;
}

/** Starts each line of a file identity listing. */
const FILE_IDENTITY_MARK = "@@fp-file";

/**
 * `find` printing the identity (`device:inode:size:mtime:ctime`) of every .ibd file in `dir`, one line each; a file
 * rewritten, replaced or restored gets another (see seal.ts).
 */
function fileIdentitiesFind(dir: string): string[] {
  return [
    "find",
    dir,
    "-maxdepth",
    "1",
    "-type",
    "f",
    "-name",
    "*.ibd",
    "-printf",
    `${FILE_IDENTITY_MARK}\\t%f\\t%D:%i:%s:%T@:%C@\\n`,
  ];
}

/** The identity listing of {@link fileIdentitiesFind}, run as the datadir's owner. */
export function fileIdentitiesArgv(access: FileRights, dir: string): string[] {
  return privileged(access, fileIdentitiesFind(dir));
}

/** Table name to file identity, from output holding lines of {@link fileIdentitiesArgv} among others. */
export function parseFileIdentities(output: string): Map<string, string> {
  const identities = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [mark, file, identity] = line.split("\t");
    if (mark !== FILE_IDENTITY_MARK || file === undefined || !file.endsWith(".ibd") || identity === undefined) continue;
    identities.set(file.slice(0, -".ibd".length), identity);
  }
  return identities;
}

/**
 * The script run (through the mysql client's `system` command) while FLUSH TABLES ... FOR EXPORT holds the lock:
 * prints the identities of the source's .ibd files (compared with a master's seal, see seal.ts), copies each table's
 * .ibd and .cfg, one `cp` per group at the same time (a single stream leaves most disks idle between reads and
 * writes; two roughly halve the copy), gives the copies the target directory's owner, and touches `marker` only if
 * all of that worked (the mysql client ignores a failed `system` command, so the marker is the proof).
 */
export function buildCopyScript(
  sourceDir: string,
  targetDir: string,
  groups: readonly (readonly string[])[],
  marker: string,
): string {
  const q = (path: string): string => buildShellCommand([path]);
  const copyOf = (tables: readonly string[]): string =>
    `cp -- ${tables.flatMap((t) => [q(`${sourceDir}/${t}.ibd`), q(`${sourceDir}/${t}.cfg`)]).join(" ")} ${q(`${targetDir}/`)}`;
  const copies = groups.flat().flatMap((t) => [q(`${targetDir}/${t}.ibd`), q(`${targetDir}/${t}.cfg`)]);
  const [last, ...others] = [...groups].reverse();
  return [
    "set -eu",
    `owner=$(stat -c %u:%g ${q(targetDir)})`,
    buildShellCommand(fileIdentitiesFind(sourceDir)),
    "pids=''",
    ...others.reverse().map((tables) => `${copyOf(tables)} & pids="$pids $!"`),
    // Wait for every copy even when one failed, so nothing writes into the target after the lock is gone.
    `rc=0; ${last === undefined ? ":" : copyOf(last)} || rc=$?`,
    'for pid in $pids; do wait "$pid" || rc=$?; done',
    '[ "$rc" = 0 ] || exit "$rc"',
    `chown -- "$owner" ${copies.join(" ")}`,
    `: > ${q(marker)}`,
    "",
  ].join("\n");
}

/** The command removing the `.cfg` files of `tables` from `dataDir/schema`. */
export function removeExportMetadataArgv(
  access: FileRights,
  dataDir: string,
  schema: string,
  tables: readonly string[],
): string[] {
  return privileged(access, ["rm", "-f", "--", ...tables.map((t) => `${dataDir}/${schema}/${t}.cfg`)]);
}

/** Removes the `.cfg` files an import leaves in the target's directory (they would only mislead a later import). */
export async function removeExportMetadata(
  runner: CommandRunner,
  access: FileRights,
  dataDir: string,
  schema: string,
  tables: readonly string[],
): Promise<void> {
  if (tables.length === 0) return;
  const result = await runner.exec(removeExportMetadataArgv(access, dataDir, schema, tables), {
    timeoutMs: FILE_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    throw new RemoteCommandError(
      `Removing export metadata (.cfg) from \`${schema}\``,
      result.exitCode,
      tailOfStderr(result.stderr),
    );
  }
}

/** The command removing every `.cfg` left in `dataDir/schema` (after an interrupted transport). */
function removeAllExportMetadataArgv(access: FileRights, dataDir: string, schema: string): string[] {
  const dir = buildShellCommand([`${dataDir}/${schema}`]);
  return privileged(access, [
    "sh",
    "-c",
    `test -d ${dir} || exit 0; find ${dir} -mindepth 1 -maxdepth 1 -type f -name '*.cfg' -delete`,
  ]);
}

/** A step removing every `.cfg` left in `dataDir/schema`, ahead of a fresh clone into it. */
export function removeAllExportMetadataStep(access: FileRights, dataDir: string, schema: string): RemoteStep {
  return {
    step: `Removing export metadata (.cfg) left in \`${schema}\``,
    command: buildShellCommand(removeAllExportMetadataArgv(access, dataDir, schema)),
  };
}

/** Removes every `.cfg` left in `dataDir/schema` (after an interrupted transport); best effort. */
export async function removeAllExportMetadata(
  runner: CommandRunner,
  access: FileRights,
  dataDir: string,
  schema: string,
): Promise<void> {
  await runner.exec(removeAllExportMetadataArgv(access, dataDir, schema), { timeoutMs: FILE_TIMEOUT_MS });
}
