/**
 * The queue worker's command line, built from validated parts only.
 *
 * Forge writes the command into a Supervisor program (`command=...` in an INI file). Supervisor first expands
 * `%(name)s` expressions in it, then splits it with Python's `shlex.split` and execs the words directly: no shell runs.
 * So a word is safe when it holds no newline (which would start a new INI line), no `%` that Supervisor would expand,
 * and survives shlex's POSIX quoting. Every part is validated against a narrow pattern first, and {@link
 * quoteArgument} renders each word for that parser, so nothing a caller passes is spliced in as command syntax.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "../runtime";
import { LINUX_USER } from "../common/linux-user";
import { UserError } from "../common/user-error";

/** The inputs the command (and the Forge process) are built from. */
export interface WorkerSettings {
  serverId: number;
  siteId: number;
  name: string;
  isolatedUser: string;
  directory: string;
  phpVersion: string;
  connection: string;
  queues: string;
  processes: number;
  tries: number;
  timeoutSeconds: number;
  sleepSeconds: number;
}

/** Where util-linux installs setpriv on Debian and Ubuntu (Forge servers run Ubuntu). */
export const SETPRIV = "/usr/bin/setpriv";

/** Supervisor waits this much longer than the job timeout before it kills a worker that was asked to stop. */
export const STOP_GRACE_SECONDS = 30;

const WORKER_NAME = /^[a-z][a-z0-9-]{0,99}$/;
const QUEUE_NAMES = /^[A-Za-z0-9_,:-]{1,200}$/;
const PHP_VERSION = /^php([5-9])([0-9])$/;
const DIRECTORY = /^(?:\/[A-Za-z0-9._-]+)+\/?$/;

type Rule = (value: unknown) => string | null;

function integerIn(field: string, min: number, max: number): Rule {
  return (value) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max
      ? null
      : `\`${field}\` must be a whole number from ${min} to ${max}`;
}

function matching(pattern: RegExp, reason: string): Rule {
  return (value) => (typeof value === "string" && pattern.test(value) ? null : reason);
}

const RULES: Record<keyof WorkerSettings, Rule> = {
  serverId: integerIn("serverId", 1, Number.MAX_SAFE_INTEGER),
  siteId: integerIn("siteId", 1, Number.MAX_SAFE_INTEGER),
  name: matching(
    WORKER_NAME,
    "`name` must be 1-100 lower-case letters, digits or dashes starting with a letter, e.g. `forge-previews-pr-12-worker`",
  ),
  isolatedUser: (value) =>
    typeof value === "string" && LINUX_USER.test(value) && value !== "root"
      ? null
      : "`isolatedUser` must be the site's Linux user: a lower-case letter, then up to 31 lower-case letters, digits, " +
        "`-` or `_`, and not `root`",
  directory: (value) =>
    typeof value === "string" && DIRECTORY.test(value) && value.length <= 255 && !/\/\.{1,2}(?:\/|$)/.test(value)
      ? null
      : "`directory` must be an absolute path of letters, digits, `.`, `_`, `-` and `/` (no spaces, no `.` or `..` " +
        "segments, at most 255 characters), e.g. `/home/pr-12/pr-12.example.dev/current`",
  phpVersion: matching(PHP_VERSION, "`phpVersion` must be a Forge PHP version such as `php84` (runs /usr/bin/php8.4)"),
  connection: matching(QUEUE_NAMES, "`connection` must be 1-200 letters, digits, `_`, `,`, `:` or `-`, e.g. `redis`"),
  queues: matching(QUEUE_NAMES, "`queues` must be 1-200 letters, digits, `_`, `,`, `:` or `-`, e.g. `high,default`"),
  processes: integerIn("processes", 1, 10),
  tries: integerIn("tries", 1, 100),
  timeoutSeconds: integerIn("timeoutSeconds", 1, 3600),
  sleepSeconds: integerIn("sleepSeconds", 0, 60),
};

export const WORKER_FIELDS = Object.keys(RULES) as Array<keyof WorkerSettings>;

/**
 * Every problem with `values`, one failure per field. Values that are the preview unknown are skipped, so this runs
 * in `check` during preview too.
 */
export function validateWorkerSettings(values: Record<string, unknown>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  for (const field of WORKER_FIELDS) {
    const value = values[field];
    if (isUnknown(value)) continue;
    const reason = RULES[field](value);
    if (reason !== null) failures.push({ property: field, reason });
  }
  const { directory, isolatedUser } = values;
  if (
    !failures.some((failure) => failure.property === "directory" || failure.property === "isolatedUser") &&
    typeof directory === "string" &&
    typeof isolatedUser === "string" &&
    !isUnknown(directory) &&
    !isUnknown(isolatedUser) &&
    !isInsideHome(directory, isolatedUser)
  ) {
    failures.push({
      property: "directory",
      reason: `\`directory\` must be inside the site user's home \`/home/${isolatedUser}/\`: the worker runs that user's code`,
    });
  }
  return failures;
}

function isInsideHome(directory: string, user: string): boolean {
  return directory.startsWith(`/home/${user}/`) && directory.length > `/home/${user}/`.length;
}

/** `php84` → `/usr/bin/php8.4`, the per-version binary Forge installs, so the worker never follows the CLI default. */
export function phpBinary(phpVersion: string): string {
  const match = PHP_VERSION.exec(phpVersion);
  if (match === null) throw new UserError(RULES.phpVersion(phpVersion) ?? "`phpVersion` is invalid");
  return `/usr/bin/php${match[1]}.${match[2]}`;
}

const BARE_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;

/**
 * Renders one argument so Supervisor hands it to `execve` unchanged: bare when it only holds characters that neither
 * shlex nor Supervisor's `%` expansion treat specially, otherwise in single quotes (a quote inside becomes `'\''`)
 * with `%` doubled. Control characters cannot be carried through an INI line at all, so they are refused.
 */
export function quoteArgument(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(word)) {
    throw new UserError("A worker command argument holds a control character (such as a newline); remove it");
  }
  if (BARE_WORD.test(word)) return word;
  return `'${word.replace(/%/g, "%%").replace(/'/g, "'\\''")}'`;
}

/** The argument vector Supervisor will exec, after checking every setting. */
export function buildWorkerArgv(settings: WorkerSettings): string[] {
  const failures = validateWorkerSettings(settings as unknown as Record<string, unknown>);
  if (failures.length > 0) {
    throw new UserError(`Invalid worker settings: ${failures.map((failure) => failure.reason).join("; ")}`);
  }
  const user = settings.isolatedUser;
  return [
    SETPRIV,
    `--reuid=${user}`,
    // Forge creates each isolated user with a primary group of the same name.
    `--regid=${user}`,
    "--init-groups",
    "--reset-env",
    "--",
    phpBinary(settings.phpVersion),
    path.posix.join(settings.directory, "artisan"),
    "queue:work",
    settings.connection,
    `--name=${settings.name}`,
    `--queue=${settings.queues}`,
    `--tries=${settings.tries}`,
    `--timeout=${settings.timeoutSeconds}`,
    `--sleep=${settings.sleepSeconds}`,
  ];
}

/** The command line for Forge's `command` field. */
export function buildWorkerCommand(settings: WorkerSettings): string {
  return buildWorkerArgv(settings).map(quoteArgument).join(" ");
}

export { workerNameOf } from "../common/worker-name";
