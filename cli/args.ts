/**
 * The mechanics of reading a command line. Each command declares its own flags in its file under `commands/`
 * (type, and for a required one what it is); this applies a declaration and reports what is wrong as a UsageError.
 * `--help` is not a command's flag: main answers it for every command.
 */
import { UserError } from "../providers/common/user-error";
import { UsageError, parseOptions, requireOption } from "./cli-config";

export type FlagSpec = { type: "boolean" } | { type: "string"; required?: string };

/** A command's flags by name, without the leading `--`. */
export type FlagsSpec = Readonly<Record<string, FlagSpec>>;

export type FlagValues<T extends FlagsSpec> = {
  [K in keyof T]: T[K] extends { type: "boolean" }
    ? boolean
    : T[K] extends { required: string }
      ? string
      : string | undefined;
};

/** Reads `argv` against `spec`: an unknown flag, a flag without its value or a missing required flag is a UsageError. */
export function parseCommandLine<T extends FlagsSpec>(
  argv: readonly string[],
  spec: T,
): { values: FlagValues<T>; positionals: string[] } {
  return readCommandLine(argv, spec, true);
}

/** As parseCommandLine, for a command that takes flags only: any positional argument is a UsageError. */
export function parseFlags<T extends FlagsSpec>(argv: readonly string[], spec: T): FlagValues<T> {
  return readCommandLine(argv, spec, false).values;
}

function readCommandLine<T extends FlagsSpec>(
  argv: readonly string[],
  spec: T,
  allowPositionals: boolean,
): { values: FlagValues<T>; positionals: string[] } {
  const types = Object.fromEntries(Object.entries(spec).map(([name, flag]) => [name, { type: flag.type }]));
  const { values: raw, positionals } = parseOptions(argv, types);
  if (!allowPositionals && positionals.length > 0)
    throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}.`);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, flag] of Object.entries(spec)) {
    const value = raw[name];
    if (flag.type === "boolean") values[name] = value === true;
    else
      values[name] =
        flag.required === undefined
          ? (value as string | undefined)
          : requireOption(value as string | undefined, `--${name}`, flag.required);
  }
  return { values: values as FlagValues<T>, positionals };
}

/** Runs an input check; its UserError becomes a UsageError, so main shows the command's usage with it. */
export function checkArguments<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof UserError && !(error instanceof UsageError) ? new UsageError(error.message) : error;
  }
}
