import { readStackConfig } from "../runtime";
import { UserError } from "../common/user-error";
import type { SshTarget } from "./types";

function requireConfig(key: string, fix: string): string {
  const value = readStackConfig(key);
  if (value === undefined || value.trim() === "") {
    throw new UserError(`Stack config \`forge-previews:${key}\` is not set; ${fix}.`);
  }
  return value;
}

/**
 * The Forge server's SSH target, read from stack config at call time (never captured into a provider): `sshHost`,
 * `sshPort` (default 22), `sshUser` (default forge), the secret `sshPrivateKey` and `sshHostKeyFingerprint`.
 */
export function sshTargetFromStackConfig(): SshTarget {
  const host = requireConfig("sshHost", "set it with `pulumi config set sshHost <server address>`").trim();
  const rawPort = readStackConfig("sshPort")?.trim() || "22";
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
    throw new UserError(
      `Stack config \`forge-previews:sshPort\` must be a port number 1-65535, not ${JSON.stringify(rawPort)}.`,
    );
  }
  const user = readStackConfig("sshUser")?.trim() || "forge";
  const privateKey = requireConfig(
    "sshPrivateKey",
    "set it with `pulumi config set --secret sshPrivateKey < ~/.ssh/forge_previews`",
  );
  const hostKeyFingerprint = requireConfig(
    "sshHostKeyFingerprint",
    "set it to what `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the server (SHA256:...)",
  ).trim();
  return { host, port: Number(rawPort), user, privateKey, hostKeyFingerprint };
}
