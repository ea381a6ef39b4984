/**
 * The clone's private directory on the server (0700, from mktemp): the MySQL option file, the transport copy script
 * and its completion marker live there, and one `rm -rf` removes them all. Its name carries the target so that
 * {@link removeLeftoverWorkDirs} can find what a killed run left behind.
 */
import { buildShellCommand } from "../ssh";
import { RemoteCommandError, tailOfStderr } from "./errors";
import { PLAIN_NAME } from "./sql";
import type { CommandRunner } from "./types";

const SHORT_TIMEOUT_MS = 60_000;
const WORK_DIR_PREFIX = "forge-previews-clone-";
const MKTEMP_PATH = /^\/[A-Za-z0-9._/-]+$/;

function assertPlainTarget(target: string): void {
  if (!PLAIN_NAME.test(target)) {
    throw new Error(`work directories are only made for plain database names, not ${JSON.stringify(target)}`);
  }
}

/**
 * Done in the same round trip as creating the directory: 0600 files from stdin (`line`, one line, first), then a script
 * whose output `fn` gets.
 */
export interface WorkDirSetup {
  file: { name: string; contents: string };
  line?: { name: string; value: string };
  script: string;
  /** Names the script in the error when it fails after the directory was made. */
  step: string;
}

/**
 * Creates the work directory (and, with `setup`, its first file and a probe, in one round trip), runs `fn` with its
 * path and removes it afterwards, also when `fn` throws.
 */
export async function withWorkDir<T>(
  runner: CommandRunner,
  target: string,
  fn: (dir: string, setupOutput: string) => Promise<T>,
  setup?: WorkDirSetup,
): Promise<T> {
  assertPlainTarget(target);
  const { file, line } = setup ?? {};
  for (const name of [file?.name, line?.name])
    if (name !== undefined && !/^[A-Za-z0-9._-]+$/.test(name))
      throw new Error(`unsafe file name ${JSON.stringify(name)}`);
  if (line !== undefined && /[\n\r\0]/.test(line.value)) throw new Error(`${line.name} must be one line`);
  const create = `umask 077 && d=$(mktemp -d "\${TMPDIR:-/tmp}/${WORK_DIR_PREFIX}${target}.XXXXXXXX") && printf '%s\\n' "$d"`;
  // `read` takes exactly one line off stdin (the shell reads a pipe byte by byte), so `cat` gets the rest.
  const first =
    line === undefined ? "" : ` && { IFS= read -r fp_line && printf '%s\\n' "$fp_line" > "$d/${line.name}"; }`;
  const script =
    setup === undefined ? create : `${create}${first} && cat > "$d/${setup.file.name}" && {\n${setup.script}\n}`;
  const stdin =
    setup === undefined ? undefined : `${line === undefined ? "" : `${line.value}\n`}${setup.file.contents}`;
  const made = await runner.exec(["sh", "-c", script], { stdin, timeoutMs: SHORT_TIMEOUT_MS });
  const [dir = "", ...rest] = made.stdout.split("\n");
  const created = MKTEMP_PATH.test(dir);
  try {
    if (!created) {
      throw new RemoteCommandError(
        "Preparing a work directory on the database server (mktemp -d)",
        made.exitCode,
        tailOfStderr(made.stderr),
      );
    }
    if (made.exitCode !== 0)
      throw new RemoteCommandError(
        setup?.step ?? "Preparing a work directory on the database server",
        made.exitCode,
        tailOfStderr(made.stderr),
      );
    return await fn(dir, rest.join("\n"));
  } finally {
    if (created) await runner.exec(["rm", "-rf", "--", dir], { timeoutMs: SHORT_TIMEOUT_MS }).catch(() => undefined);
  }
}

/** Writes `contents` (sent on stdin, so never on a command line) to a 0600 file inside `dir` and returns its path. */
export async function writePrivateFile(
  runner: CommandRunner,
  dir: string,
  name: string,
  contents: string,
): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`unsafe file name ${JSON.stringify(name)}`);
  const path = `${dir}/${name}`;
  const result = await runner.exec(["sh", "-c", `umask 077 && cat > ${buildShellCommand([path])}`], {
    stdin: contents,
    timeoutMs: SHORT_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    throw new RemoteCommandError(
      `Writing ${path} on the database server`,
      result.exitCode,
      tailOfStderr(result.stderr),
    );
  }
  return path;
}

/**
 * Removes work directories an interrupted clone into `target` left in the SSH user's temp dir; returns how many.
 * Only directories owned by the SSH user and named for this target are touched.
 */
export async function removeLeftoverWorkDirs(runner: CommandRunner, target: string): Promise<number> {
  assertPlainTarget(target);
  const script =
    `find "\${TMPDIR:-/tmp}" -mindepth 1 -maxdepth 1 -type d -user "$(id -u)" -name '${WORK_DIR_PREFIX}${target}.*' ` +
    `-print -exec rm -rf {} +`;
  const result = await runner.exec(["sh", "-c", script], { timeoutMs: SHORT_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    throw new RemoteCommandError(
      `Removing leftover clone work directories of \`${target}\``,
      result.exitCode,
      tailOfStderr(result.stderr),
    );
  }
  return result.stdout.split("\n").filter((line) => line !== "").length;
}
