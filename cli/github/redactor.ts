/**
 * Keeps secrets out of everything the GitHub glue writes: PR comments, deployment statuses, the job summary and the
 * log. Each secret is registered once; registering it also tells the Actions runner to mask it (`::add-mask::`), so
 * the runner hides it from the log even if some other code prints it.
 */
import { MIN_SECRET_LENGTH, redactSecrets } from "../../providers/common/redact";
import { SECRET_KEYS } from "../../stacks/config-keys";
import { ALERT_ENV } from "../alerts/env";

/** Env vars whose values are secrets wherever they are set: the stacks' secrets and the backend's credentials. */
export const SECRET_ENV_NAMES: readonly string[] = [
  ...SECRET_KEYS.flatMap(({ env }) => (env === null ? [] : [env])),
  "GITHUB_TOKEN",
  ...Object.values(ALERT_ENV),
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_BACKEND_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AZURE_STORAGE_KEY",
  "GOOGLE_CREDENTIALS",
];

/**
 * Any other env var named like a secret is treated as one when its value is long enough to be one. This is a guess
 * about which variables are secrets, stricter than MIN_SECRET_LENGTH on purpose: `SKIP_SECRET_SCAN=true` holds a flag, not a secret.
 */
const SECRET_ENV_NAME = /(TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS)/i;
const MIN_GUESSED_SECRET_LENGTH = 8;

/** Stack outputs that hold secrets; any output named like a secret is treated as one too. */
const SECRET_OUTPUT_NAME = /(password|secret|token|private|key)/i;

const SECRET_PLACEHOLDER = "[secret]";

/** Escapes a value for a workflow command, as the runner expects (`%`, CR and LF are encoded). */
function escapeCommandValue(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export class Redactor {
  private readonly secrets = new Set<string>();

  /** @param emit where `::add-mask::` lines go; stdout in a workflow. */
  constructor(private readonly emit: (line: string) => void = () => undefined) {}

  add(value: string): void {
    if (value.trim() === "" || this.secrets.has(value)) return;
    this.secrets.add(value);
    // The runner masks line by line, so a multi-line secret (an SSH key) is registered per line too.
    const parts = [
      value,
      ...value
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length >= MIN_SECRET_LENGTH),
    ];
    for (const part of new Set(parts)) {
      if (part !== value) this.secrets.add(part);
      this.emit(`::add-mask::${escapeCommandValue(part)}`);
    }
  }

  addFromEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || value === "") continue;
      if (SECRET_ENV_NAMES.includes(name) || (SECRET_ENV_NAME.test(name) && value.length >= MIN_GUESSED_SECRET_LENGTH))
        this.add(value);
    }
  }

  /** Registers every secret among stack outputs: values wrapped as `{ value, secret: true }` or named like a secret. */
  addFromOutputs(outputs: Readonly<Record<string, unknown>>): void {
    for (const [name, output] of Object.entries(outputs)) {
      const wrapped = typeof output === "object" && output !== null && "secret" in output && "value" in output;
      const isSecret = (wrapped && (output as { secret: unknown }).secret === true) || SECRET_OUTPUT_NAME.test(name);
      const value = wrapped ? (output as { value: unknown }).value : output;
      // The operations hand secret outputs over already hidden, as the text `[secret]`.
      if (!isSecret || value === null || value === undefined || value === SECRET_PLACEHOLDER) continue;
      this.add(typeof value === "string" ? value : JSON.stringify(value));
    }
  }

  redact(text: string): string {
    return redactSecrets(text, [...this.secrets]);
  }
}

/** A stack output as plain text, unwrapping `{ value, secret }`; secrets never come out of here. */
export function plainOutput(outputs: Readonly<Record<string, unknown>>, name: string): string | null {
  const output = outputs[name];
  if (typeof output === "object" && output !== null && "value" in output) {
    if ("secret" in output && (output as { secret: unknown }).secret === true) return null;
    const value = (output as { value: unknown }).value;
    return typeof value === "string" || typeof value === "number" ? String(value) : null;
  }
  if (SECRET_OUTPUT_NAME.test(name) || output === SECRET_PLACEHOLDER) return null;
  return typeof output === "string" || typeof output === "number" ? String(output) : null;
}
