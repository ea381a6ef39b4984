/**
 * The one place a command line for the remote shell is built. OpenSSH hands the whole string to the login user's
 * shell (`$SHELL -c "<string>"`), so every argument is wrapped in POSIX single quotes, where nothing but `'` itself
 * is special; a `'` becomes `'\''` (close, escaped quote, reopen). That works in sh, dash and bash, which is what
 * Forge servers run for the `forge` user.
 */

/** Quotes one argument so the remote shell passes it to the program byte for byte. */
export function quoteShellArg(arg: string): string {
  if (typeof arg !== "string") {
    throw new TypeError(`a shell argument must be a string, got ${typeof arg}`);
  }
  if (arg.includes("\0")) {
    // execve() ends an argument at the first NUL, so the program would silently receive a shorter value.
    throw new Error("a shell argument contains a NUL byte, which no program can receive; pass that data on stdin");
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins `argv` (program first) into one command line with every element quoted by {@link quoteShellArg}. */
export function buildShellCommand(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new Error("a remote command needs at least the program name in argv[0]");
  }
  if (argv[0] === "") {
    throw new Error("argv[0] of a remote command is empty; name the program to run");
  }
  return argv.map(quoteShellArg).join(" ");
}
