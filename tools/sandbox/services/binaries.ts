import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { ServiceName } from "./types";

interface RequiredBinary {
  binary: string;
  debianPackage: string;
}

// `ssh-keygen` ships in openssh-client, which openssh-server depends on; naming the exact package keeps the hint true
// on a machine that has the server but lost the client.
const REQUIRED_BINARIES = {
  mariadb: [
    { binary: "mariadbd", debianPackage: "mariadb-server" },
    { binary: "mariadb-install-db", debianPackage: "mariadb-server" },
  ],
  redis: [{ binary: "redis-server", debianPackage: "redis-server" }],
  ssh: [
    { binary: "sshd", debianPackage: "openssh-server" },
    { binary: "ssh-keygen", debianPackage: "openssh-client" },
  ],
} satisfies Record<ServiceName, readonly RequiredBinary[]>;

// sshd lives in /usr/sbin, which is not on a non-login PATH on Debian.
const EXTRA_SEARCH_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** Absolute paths of the binaries a service needs, by binary name. */
export type BinaryPaths = Readonly<Record<string, string>>;

export class MissingServiceBinaryError extends Error {
  readonly missing: readonly RequiredBinary[];
  readonly debianPackages: readonly string[];

  constructor(missing: readonly RequiredBinary[], searchDirs: readonly string[]) {
    const packages = [...new Set(missing.map((m) => m.debianPackage))];
    const list = missing.map((m) => `\`${m.binary}\` (Debian package \`${m.debianPackage}\`)`).join(", ");
    super(
      `Cannot start the local services: ${list} not found in ${searchDirs.join(delimiter) || "an empty search path"}. ` +
        `Install with \`apt-get install -y ${packages.join(" ")}\`, or pass \`binPath\` to where they live.`,
    );
    this.name = "MissingServiceBinaryError";
    this.missing = missing;
    this.debianPackages = packages;
  }
}

export function buildSearchDirs(binPath: string | undefined): string[] {
  const dirs =
    binPath !== undefined
      ? binPath.split(delimiter)
      : [...(process.env.PATH ?? "").split(delimiter), ...EXTRA_SEARCH_DIRS];
  // A relative PATH entry would make the result depend on the cwd, and sshd refuses to run from a relative path.
  return [...new Set(dirs.filter((d) => d !== "" && isAbsolute(d)))];
}

export function findExecutable(binary: string, searchDirs: readonly string[]): string | undefined {
  for (const dir of searchDirs) {
    const candidate = join(dir, binary);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Resolves every binary the given services need, or throws one error listing all that are missing. */
export function resolveServiceBinaries(services: readonly ServiceName[], searchDirs: readonly string[]): BinaryPaths {
  const found: Record<string, string> = {};
  const missing: RequiredBinary[] = [];
  for (const service of services) {
    for (const required of REQUIRED_BINARIES[service]) {
      const path = findExecutable(required.binary, searchDirs);
      if (path === undefined) missing.push(required);
      else found[required.binary] = path;
    }
  }
  if (missing.length > 0) throw new MissingServiceBinaryError(missing, searchDirs);
  return found;
}

export function binaryPath(paths: BinaryPaths, binary: string): string {
  const path = paths[binary];
  if (path === undefined) throw new Error(`\`${binary}\` was not resolved before starting its service`);
  return path;
}
