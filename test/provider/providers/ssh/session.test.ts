import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  SshCommandError,
  SshConnectError,
  SshHostKeyMismatchError,
  SshSession,
  SshTimeoutError,
  withRemoteSecretFile,
  withSsh,
} from "../../../../providers/ssh";
import { type TcpServer, closedPort, errorOf, startTcpServer } from "../../../support/net";
import { sshTarget, testServices } from "../../../support/services";

const services = testServices();
const target = sshTarget(services);

/** Lines of the private key's base64 body; none of them may ever appear in an error. */
const keyLines = services.ssh.privateKey.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
const publicKeyBody = services.ssh.publicKey.split(" ")[1] ?? "";
const hostKeyBody = services.ssh.hostPublicKey.split(" ")[1] ?? "";

function expectNoSecrets(text: string): void {
  for (const line of keyLines) expect(text).not.toContain(line);
  expect(text).not.toContain(publicKeyBody);
  expect(text).not.toContain(hostKeyBody);
  expect(text).not.toContain(services.redis.password);
}

/** Waits (up to 3 s) for a killed process to disappear; a SIGKILL is delivered asynchronously. */
async function isProcessGone(marker: string): Promise<boolean> {
  const deadline = Date.now() + 3_000;
  while (hasProcessWithArgument(marker)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Whether any local process has `marker` as one of its arguments (the test sshd runs on this machine). */
function hasProcessWithArgument(marker: string): boolean {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker)) return true;
    } catch {
      // The process exited while we looked.
    }
  }
  return false;
}

describe("SshSession against a real sshd", () => {
  let session: SshSession;
  let scratch: string;

  beforeAll(async () => {
    session = await SshSession.connect(target);
  });

  afterAll(async () => {
    await session?.close();
  });

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "ssh-session-"));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe("host key verification", () => {
    it("refuses a server whose host key does not match, naming host, port and both fingerprints", async () => {
      const wrong = `SHA256:${"Q".repeat(43)}`;
      const error = await errorOf(SshSession.connect({ ...target, hostKeyFingerprint: wrong }));

      expect(error).toBeInstanceOf(SshHostKeyMismatchError);
      expect(error.message).toContain(`${target.host}:${target.port}`);
      expect(error.message).toContain(wrong);
      expect(error.message).toContain(target.hostKeyFingerprint);
      expect(error.message).toContain("ssh-ed25519");
      expectNoSecrets(error.message);
    });

    it("never runs anything when the host key does not match", async () => {
      const canary = join(scratch, "canary");
      const attempt = withSsh({ ...target, hostKeyFingerprint: `SHA256:${"Q".repeat(43)}` }, (ssh) =>
        ssh.exec(["touch", canary]),
      );

      await expect(attempt).rejects.toBeInstanceOf(SshHostKeyMismatchError);
      expect(existsSync(canary)).toBe(false);
    });

    it("refuses a fingerprint that is not in ssh-keygen's SHA256 format before connecting", async () => {
      const error = await errorOf(SshSession.connect({ ...target, hostKeyFingerprint: "aa:bb:cc" }));

      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toContain("`sshHostKeyFingerprint` must be `SHA256:`");
    });

    it("shows where it is connected, and no key, when the session is logged", () => {
      const shown = inspect(session, { depth: 10 });

      expect(shown).toBe(`SshSession { ${target.user}@127.0.0.1:${target.port} }`);
      expectNoSecrets(shown);
    });

    it("logs in and runs commands when the host key matches", async () => {
      const result = await withSsh(target, (ssh) => ssh.exec(["id", "-un"]));

      expect(result).toStrictEqual({ exitCode: 0, signal: null, stdout: `${target.user}\n`, stderr: "" });
    });
  });

  describe("connection failures", () => {
    let silent: TcpServer;
    let silentPort: number;

    beforeAll(async () => {
      // Accepts TCP connections and never speaks, like a firewall that swallows packets after the handshake.
      silent = await startTcpServer();
      silentPort = silent.port;
    });

    afterAll(() => silent?.close());

    it("names user, host and port when the port refuses connections", async () => {
      const closed = await closedPort();
      const error = await errorOf(SshSession.connect({ ...target, port: closed }));

      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toContain(`${target.user}@127.0.0.1:${closed}`);
      expect(error.message).toContain("ECONNREFUSED");
    });

    it("gives up after connectTimeoutMs when the server never answers", async () => {
      const started = Date.now();
      const error = await errorOf(SshSession.connect({ ...target, port: silentPort, connectTimeoutMs: 400 }));

      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toMatch(
        new RegExp(`Timed out after 400 ms .* ${target.user}@127\\.0\\.0\\.1:${silentPort}`),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("reports a key the server does not accept without printing any key", async () => {
      // ssh-keygen's key, not ssh2's generateKeyPairSync: about one ed25519 key in a hundred from the latter is one that
      // ssh2 itself then refuses to parse, which fails before the server is ever asked.
      const dir = mkdtempSync(join(tmpdir(), "foreign-key-"));
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "key")]);
      const other = { private: readFileSync(join(dir, "key"), "utf8") };
      rmSync(dir, { recursive: true, force: true });
      const error = await errorOf(SshSession.connect({ ...target, privateKey: other.private }));

      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toContain(`SSH login as ${target.user}@127.0.0.1:${target.port} was refused`);
      expectNoSecrets(error.message);
      expect(error.message).not.toContain(other.private.split("\n")[1]);
    });

    it("reports an unreadable private key without quoting it", async () => {
      const garbage =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbCBqdXN0IHNvbWUgc2VjcmV0IHRleHQ=\n-----END OPENSSH PRIVATE KEY-----\n";
      const error = await errorOf(SshSession.connect({ ...target, privateKey: garbage }));

      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toContain("`sshPrivateKey`");
      expect(error.message).not.toContain("bm90IGEga2V5");
    });
  });

  describe("commands", () => {
    it("passes arguments with shell metacharacters literally and never runs what they contain", async () => {
      const canary = join(scratch, "canary");
      const args = [
        `'; touch ${canary}; echo '`,
        `$(touch ${canary})`,
        `\`touch ${canary}\``,
        `x\ntouch ${canary}\n`,
        `app_pr_1'; DROP DATABASE "app"; -- `,
        `" ; touch ${canary} ; "`,
        "*",
      ];
      const result = await session.exec(["printf", "%s\\0", ...args]);

      expect(result.exitCode).toBe(0);
      expect(result.stdout.split("\0").slice(0, -1)).toStrictEqual(args);
      expect(existsSync(canary)).toBe(false);
    });

    it("returns non-zero exit codes and stderr without throwing", async () => {
      const result = await session.exec(["sh", "-c", "echo out; echo 'bad thing' >&2; exit 7"]);

      expect(result).toStrictEqual({ exitCode: 7, signal: null, stdout: "out\n", stderr: "bad thing\n" });
    });

    it("reports a command that cannot be found as exit 127", async () => {
      const result = await session.exec(["forge-previews-no-such-program"]);

      expect(result.exitCode).toBe(127);
      expect(result.stderr).toContain("forge-previews-no-such-program");
    });

    it("throws from execChecked naming the program, exit code and stderr tail", async () => {
      const error = await errorOf(session.execChecked(["sh", "-c", "echo 'ERROR 1045: access denied' >&2; exit 3"]));

      expect(error).toBeInstanceOf(SshCommandError);
      expect(error.message).toBe(
        `\`sh\` on ${target.user}@127.0.0.1:${target.port} exited with 3: ERROR 1045: access denied`,
      );
      expect(error).toMatchObject({ program: "sh", exitCode: 3, signal: null });
    });

    it("passes stdin to the command and closes it", async () => {
      const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
      const counted = await session.exec(["wc", "-c"], { stdin: body });
      const echoed = await session.exec(["cat"], { stdin: "password=s3cret\n" });

      expect(counted.stdout.trim()).toBe("300000");
      expect(echoed.stdout).toBe("password=s3cret\n");
    });

    it("gives commands that read stdin an immediate EOF when there is no stdin", async () => {
      const result = await session.exec(["cat"], { timeoutMs: 5_000 });

      expect(result).toStrictEqual({ exitCode: 0, signal: null, stdout: "", stderr: "" });
    });

    it("streams stdout and stderr to callbacks as they arrive", async () => {
      const events: string[] = [];
      const result = await session.exec(["sh", "-c", "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three"], {
        onStdout: (chunk) => events.push(`out:${chunk}`),
        onStderr: (chunk) => events.push(`err:${chunk}`),
      });

      expect(events).toStrictEqual(["out:one\n", "err:two\n", "out:three\n"]);
      expect(result.stdout).toBe("one\nthree\n");
    });

    it("keeps only the tail of output beyond maxOutputBytes", async () => {
      const result = await session.exec(["sh", "-c", "seq 1 1000"], { maxOutputBytes: 10 });

      expect(result.stdout).toBe("\n999\n1000\n");
    });

    it("kills a command that outlives its timeout and reports it", async () => {
      const marker = `${Math.floor(1000 + Math.random() * 8000)}.${Date.now() % 1000}`;
      const started = Date.now();
      const error = await errorOf(session.exec(["sleep", marker], { timeoutMs: 500 }));

      expect(error).toBeInstanceOf(SshTimeoutError);
      expect(error.message).toBe(
        `\`sleep\` on ${target.user}@127.0.0.1:${target.port} did not finish within 500 ms; it was killed and its channel closed`,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await isProcessGone(marker)).toBe(true);
    });

    it("kills every process of a timed-out pipeline", async () => {
      const marker = `${Math.floor(1000 + Math.random() * 8000)}.${(Date.now() % 1000) + 1}`;
      const error = await errorOf(session.exec(["sh", "-c", `sleep ${marker} | cat`], { timeoutMs: 500 }));

      expect(error).toBeInstanceOf(SshTimeoutError);
      expect(await isProcessGone(marker)).toBe(true);
    });

    it("runs several commands at once on one session", async () => {
      const results = await Promise.all(
        ["a", "b", "c", "d"].map((word) => session.exec(["sh", "-c", 'sleep 0.2; printf %s "$1"', "sh", word])),
      );

      expect(results.map((result) => result.stdout)).toStrictEqual(["a", "b", "c", "d"]);
    });
  });

  describe("forwarded channels", () => {
    it("reaches the local Redis through the server and gets PONG", async () => {
      const channel = await session.forwardOut("127.0.0.1", services.redis.port);
      const reply = await new Promise<string>((resolve, reject) => {
        let received = "";
        channel.on("data", (chunk: Buffer) => {
          received += chunk.toString();
          if (received.split("\r\n").length >= 3) resolve(received);
        });
        channel.on("error", reject);
        channel.write(`AUTH ${services.redis.password}\r\nPING\r\n`);
      });
      channel.destroy();

      expect(reply).toBe("+OK\r\n+PONG\r\n");
    });

    it("names the destination when nothing listens there", async () => {
      const closed = await closedPort();
      const error = await errorOf(session.forwardOut("127.0.0.1", closed));

      expect(error.message).toContain(`could not open a channel to 127.0.0.1:${closed}`);
      expect(error.message).toContain(`${target.user}@127.0.0.1:${target.port}`);
    });
  });

  describe("secret files", () => {
    it("writes the secret to a 0600 temp file for the callback and removes it afterwards", async () => {
      const secret = "[client]\npassword=not-on-any-command-line\n";
      let seenPath = "";
      const seen = await withRemoteSecretFile(session, secret, async (path) => {
        seenPath = path;
        return { mode: statSync(path).mode & 0o777, body: (await session.execChecked(["cat", path])).stdout };
      });

      expect(seen).toStrictEqual({ mode: 0o600, body: secret });
      expect(existsSync(seenPath)).toBe(false);
    });

    it("removes the file when the callback throws, and rethrows the callback's error", async () => {
      let seenPath = "";
      const attempt = withRemoteSecretFile(session, "secret", async (path) => {
        seenPath = path;
        throw new Error("callback failed");
      });

      await expect(attempt).rejects.toThrow("callback failed");
      expect(seenPath).not.toBe("");
      expect(existsSync(seenPath)).toBe(false);
    });
  });

  describe("closing", () => {
    it("closes the session after withSsh's callback throws, and refuses work afterwards", async () => {
      let escaped: SshSession | undefined;
      const attempt = withSsh(target, async (ssh) => {
        escaped = ssh;
        throw new Error("inside");
      });

      await expect(attempt).rejects.toThrow("inside");
      await expect((escaped as SshSession).exec(["true"])).rejects.toThrow(
        `SSH connection to ${target.user}@127.0.0.1:${target.port} is already closed`,
      );
    });
  });
});
