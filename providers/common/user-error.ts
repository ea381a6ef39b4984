/**
 * An error meant for the person running the tool: the message names what is wrong and what to do next.
 * Everything else that reaches the top level is a bug or an outage and keeps its stack trace.
 */
export class UserError extends Error {
  override readonly name: string = "UserError";
}

/** Bad configuration, reported all at once so one `pulumi up` shows every problem. */
export class ConfigError extends UserError {
  override readonly name = "ConfigError";

  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}
