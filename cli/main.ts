/**
 * `forge-previews <command>`: the one entry point the workflows and operators use. Picks the command, runs it, and
 * turns whatever it throws into a message and an exit code: 0 done, 1 failed, 2 the command line was wrong.
 * Known secret values from the environment are removed from anything printed here.
 */
import { redactText } from "../providers/common/redact";
import { UserError } from "../providers/common/user-error";
import { CONFIG_ENV, DNS_SERVER_ENV, SECRET_ENV, UsageError, secretValuesFromEnv } from "./cli-config";
import type { CliIo, CommandModule } from "./output";

/** Loaded on use: a command pulls in only what it needs (doctor alone loads the Forge, SSH and Redis clients). */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  up: () => import("./commands/up"),
  refresh: () => import("./commands/refresh"),
  destroy: () => import("./commands/destroy"),
  list: () => import("./commands/list"),
  status: () => import("./commands/status"),
  doctor: () => import("./commands/doctor"),
  sandbox: () => import("./commands/sandbox"),
  github: () => import("./commands/github"),
  sweep: () => import("./commands/sweep"),
  unlock: () => import("./commands/unlock"),
  probe: () => import("./commands/probe"),
};

async function loadCommand(name: string): Promise<CommandModule | null> {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : null;
}

async function helpText(): Promise<string> {
  const rows: string[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) rows.push(`  ${name.padEnd(9)} ${(await load()).summary}`);
  return [
    "Usage: forge-previews <command> [options]",
    "",
    "Commands:",
    ...rows,
    "",
    "Run `forge-previews <command> --help` for a command's options.",
    "",
    "Environment:",
    "  PULUMI_BACKEND_URL                   the state backend of the preview stacks (required)",
    "  PULUMI_CONFIG_PASSPHRASE[_FILE]      the passphrase of the stacks' secrets (or FORGE_PREVIEWS_SECRETS_PROVIDER)",
    `  ${CONFIG_ENV.file.padEnd(36)} YAML/JSON file with the shared configuration (plain keys)`,
    `  ${CONFIG_ENV.inline.padEnd(36)} the same, inline`,
    `  ${CONFIG_ENV.stack.padEnd(36)} or: a stack to copy the configuration from`,
    ...Object.entries(SECRET_ENV).map(([key, variable]) => `  ${variable.padEnd(36)} secret \`${key}\``),
    "  PULUMI_CLI_BIN_DIR                   directory of the pulumi CLI (default: PATH, then scripts/pulumi-cli.sh's cache)",
    "  FORGE_PREVIEWS_PROJECT_DIR           the project directory (default: the nearest forge-previews Pulumi.yaml)",
    `  ${DNS_SERVER_ENV.padEnd(36)} a DNS server (host:port) for doctor's wildcard check (the sandbox sets it)`,
  ].join("\n");
}

/** Runs one command line; never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = secretValuesFromEnv(io.env);
  const clean = (text: string): string => redactText(text, secrets);
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" && rest[0] !== undefined ? await loadCommand(rest[0]) : null;
    io.out(topic ? topic.usage : await helpText());
    return 0;
  }
  let command: CommandModule | null = null;
  try {
    command = await loadCommand(name);
    if (command === null) {
      io.err(`Unknown command ${JSON.stringify(name)}.\n\n${await helpText()}`);
      return 2;
    }
    // The one flag read here rather than by the command: it works the same for all of them, whatever else is given.
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(clean(`error: ${error.message}\n\n${command?.usage ?? ""}`).trimEnd());
      return 2;
    }
    if (error instanceof UserError) {
      io.err(clean(`error: ${error.message}`));
      return 1;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err(
      clean(
        `error: unexpected failure, which is a bug in forge-previews; please report it with this output:\n${detail}`,
      ),
    );
    return 1;
  }
}

/** The process's own streams, environment and directory. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Entry point of bin/forge-previews. */
export function runFromProcess(): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runFromProcess();
