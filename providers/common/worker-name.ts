/** The worker name in a queue worker's command (its `--name=` argument), or null when the command names none. */
export function workerNameOf(command: string): string | null {
  const token = command.split(/\s+/).find((word) => word.startsWith("--name="));
  return token === undefined ? null : token.slice("--name=".length);
}
