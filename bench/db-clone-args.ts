/** Command-line flags of bench/db-clone.ts. */
import { REQUESTED_METHODS, type RequestedMethod } from "../providers/db-clone";

export interface BenchArgs {
  /** Size of the generated master's .ibd files, in GB (10^9 bytes). */
  sizeGb: number;
  /** Timed runs per method; the table shows the median. */
  runs: number;
  /** Clone methods to time; `auto` also gets a second, `verify: "checksum"` measurement. */
  methods: RequestedMethod[];
  /**
   * A stock Forge server: the SSH user is not root and its sudo asks for a password. Times the pipe, `auto` without
   * the password (the dump path) and `auto` with `sudoPassword` (transport through `sudo -S`).
   */
  stockForge: boolean;
}

export const USAGE =
  "usage: npx ts-node --transpile-only bench/db-clone.ts [--size-gb 1] [--runs 1] [--methods stream-dump,parallel-dump,transport,auto] [--stock-forge]";

// The pipe first: every other row is compared with it.
const DEFAULT_METHODS: RequestedMethod[] = ["stream-dump", "parallel-dump", "transport", "auto"];

function isRequestedMethod(name: string): name is RequestedMethod {
  return (REQUESTED_METHODS as readonly string[]).includes(name);
}

function valueOf(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value; ${USAGE}`);
  return value;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const known = new Set(["--size-gb", "--runs", "--methods"]);
  argv.forEach((arg, i) => {
    const isValue = i > 0 && known.has(argv[i - 1] as string);
    if (!isValue && !known.has(arg) && arg !== "--stock-forge")
      throw new Error(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
  });

  const rawSize = valueOf(argv, "--size-gb") ?? "1";
  const sizeGb = Number(rawSize);
  if (!(Number.isFinite(sizeGb) && sizeGb >= 0.01 && sizeGb <= 100)) {
    throw new Error(`--size-gb must be a number from 0.01 to 100 (GB of .ibd files), not ${JSON.stringify(rawSize)}`);
  }

  const rawRuns = valueOf(argv, "--runs") ?? "1";
  const runs = Number(rawRuns);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 20)) {
    throw new Error(`--runs must be a whole number from 1 to 20, not ${JSON.stringify(rawRuns)}`);
  }

  const rawMethods = valueOf(argv, "--methods");
  const methods =
    rawMethods === undefined
      ? DEFAULT_METHODS
      : rawMethods
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== "");
  const unknown = methods.filter((m) => !isRequestedMethod(m));
  if (unknown.length > 0 || methods.length === 0) {
    throw new Error(
      `--methods takes a comma-separated list of ${REQUESTED_METHODS.join(", ")}; not ${JSON.stringify(rawMethods)}`,
    );
  }
  const stockForge = argv.includes("--stock-forge");
  if (stockForge && rawMethods !== undefined)
    throw new Error(`--stock-forge times its own methods; drop --methods. ${USAGE}`);
  return { sizeGb, runs, methods: [...new Set(methods)] as RequestedMethod[], stockForge };
}
