import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { Client } from "ssh2";
import { binaryPath, type BinaryPaths } from "./binaries";
import { runCommand, spawnService, type StartedService } from "./process";
import { waitUntilReady, withPortRetry } from "./readiness";
import type { SshEndpoint, ServiceStartOptions } from "./types";

// sshd refuses to start as root without its privilege-separation directory, which systemd normally creates.
const PRIVSEP_DIR = "/run/sshd";

/** The `SHA256:...` fingerprint OpenSSH prints for a raw public-key blob (base64 without padding). */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Runs sshd on 127.0.0.1 that accepts only a generated client key, for the user running this process (root on the CI
 * machine: creating a dedicated user would change the machine's /etc/passwd, which outlives the run). `persistent`
 * keeps the host and client keys, so the fingerprint and login stay the same.
 */
export async function startSsh(
  serviceDir: string,
  bins: BinaryPaths,
  { port: fixedPort, persistent }: ServiceStartOptions,
): Promise<StartedService<SshEndpoint>> {
  const sshKeygen = binaryPath(bins, "ssh-keygen");
  const hostKeyPath = join(serviceDir, "ssh_host_ed25519_key");
  const clientKeyPath = join(serviceDir, "client_ed25519");
  const keyFiles = [hostKeyPath, `${hostKeyPath}.pub`, clientKeyPath, `${clientKeyPath}.pub`];
  if (!(persistent && keyFiles.every((file) => existsSync(file)))) {
    // ssh-keygen asks before overwriting, so the remains of an interrupted first start go first.
    for (const file of keyFiles) rmSync(file, { force: true });
    await Promise.all([
      runCommand(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "forge-previews-test-host", "-f", hostKeyPath]),
      runCommand(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "forge-previews-test-client", "-f", clientKeyPath]),
    ]);
  }
  const publicKey = readFileSync(`${clientKeyPath}.pub`, "utf8").trim();
  const authorizedKeysPath = join(serviceDir, "authorized_keys");
  writeFileSync(authorizedKeysPath, `${publicKey}\n`, { mode: 0o600 });
  const fingerprintLine = await runCommand(sshKeygen, ["-l", "-f", `${hostKeyPath}.pub`]);
  const hostKeyFingerprint = fingerprintLine.split(" ")[1] ?? "";
  if (!hostKeyFingerprint.startsWith("SHA256:")) {
    throw new Error(`\`ssh-keygen -lf\` printed an unexpected fingerprint line: ${fingerprintLine.trim()}`);
  }
  if (process.getuid?.() === 0) mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });

  const sshd = binaryPath(bins, "sshd");
  const base = {
    host: "127.0.0.1" as const,
    user: userInfo().username,
    privateKey: readFileSync(clientKeyPath, "utf8"),
    privateKeyPath: clientKeyPath,
    publicKey,
    hostKeyFingerprint,
    hostPublicKey: readFileSync(`${hostKeyPath}.pub`, "utf8").trim(),
  };

  return withPortRetry(fixedPort, async (port) => {
    const configPath = join(serviceDir, "sshd_config");
    writeFileSync(configPath, buildSshdConfig(serviceDir, port, hostKeyPath, authorizedKeysPath), { mode: 0o600 });
    await addPenaltyOptOut(sshd, configPath);
    const proc = spawnService("ssh", sshd, ["-D", "-e", "-f", configPath], join(serviceDir, "sshd.log"));
    const endpoint: SshEndpoint = { ...base, port };
    await waitUntilReady(proc, () => runTrue(endpoint), { timeoutMs: 20_000 });
    return { endpoint, processes: [proc] };
  });
}

function buildSshdConfig(serviceDir: string, port: number, hostKeyPath: string, authorizedKeysPath: string): string {
  return [
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(serviceDir, "sshd.pid")}`,
    `AuthorizedKeysFile ${authorizedKeysPath}`,
    // The temp dir's owner and modes are not the home-directory layout StrictModes expects.
    "StrictModes no",
    "PubkeyAuthentication yes",
    "AuthenticationMethods publickey",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "UseDNS no",
    // Redis is reached through a forwarded channel, as on a Forge server.
    "AllowTcpForwarding yes",
    "AllowAgentForwarding no",
    "X11Forwarding no",
    "PrintMotd no",
    "PrintLastLog no",
    // Test suites open many connections at once; the defaults start dropping them at 10 unauthenticated.
    "MaxStartups 100:30:200",
    "MaxSessions 50",
    "Subsystem sftp internal-sftp",
    // bash sources ~/.bashrc for every command sshd runs unless SHLVL says it is nested. A Forge account's stock
    // ~/.bashrc returns at once for non-interactive shells; the account running the sandbox may have one that takes
    // 0.1-0.2 s (pyenv, nvm), which would be timed as part of every remote command.
    "SetEnv SHLVL=1",
    "",
  ].join("\n");
}

/**
 * OpenSSH 9.8+ blocks a source address that keeps failing authentication, and every connection here comes from
 * 127.0.0.1, so one test's rejected key would lock out the next. Older versions reject the option, hence the probe.
 */
async function addPenaltyOptOut(sshd: string, configPath: string): Promise<void> {
  try {
    await runCommand(sshd, ["-t", "-f", configPath, "-o", "PerSourcePenalties=no"]);
  } catch {
    await runCommand(sshd, ["-t", "-f", configPath]);
    return;
  }
  writeFileSync(configPath, `${readFileSync(configPath, "utf8")}PerSourcePenalties no\n`, { mode: 0o600 });
}

/** Logs in with the client key, verifying the host key by fingerprint, and runs `true`. */
function runTrue(e: SshEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const fail = (error: Error) => {
      client.end();
      reject(error);
    };
    client.on("error", fail);
    client.on("ready", () => {
      client.exec("true", (error, channel) => {
        if (error) return fail(error);
        channel.on("close", (code: number | null) => {
          client.end();
          if (code === 0) resolve();
          else reject(new Error(`\`true\` over SSH exited with ${code}`));
        });
        channel.resume();
        channel.stderr.resume();
      });
    });
    client.connect({
      host: e.host,
      port: e.port,
      username: e.user,
      privateKey: e.privateKey,
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === e.hostKeyFingerprint,
    });
  });
}
