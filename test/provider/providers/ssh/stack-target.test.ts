import { useStackConfig } from "../../../../providers/runtime";
import { sshTargetFromStackConfig, withSsh } from "../../../../providers/ssh";
import { testServices } from "../../../support/services";

describe("sshTargetFromStackConfig", () => {
  const values = new Map<string, string>();
  const configure = (entries: Record<string, string>): void => {
    values.clear();
    for (const [key, value] of Object.entries(entries)) values.set(`forge-previews:${key}`, value);
  };
  const complete = {
    sshHost: "203.0.113.10",
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n",
    sshHostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
  };

  beforeAll(() => useStackConfig({ get: (key) => values.get(key) }));
  afterAll(() => useStackConfig(undefined));

  it("defaults the port to 22 and the user to forge", () => {
    configure(complete);

    expect(sshTargetFromStackConfig()).toStrictEqual({
      host: "203.0.113.10",
      port: 22,
      user: "forge",
      privateKey: complete.sshPrivateKey,
      hostKeyFingerprint: complete.sshHostKeyFingerprint,
    });
  });

  it("reads port and user when they are set", () => {
    configure({ ...complete, sshPort: "2222", sshUser: "deploy" });

    expect(sshTargetFromStackConfig()).toMatchObject({ port: 2222, user: "deploy" });
  });

  it("reads the config again on every call, so a changed key takes effect", () => {
    configure(complete);
    sshTargetFromStackConfig();
    configure({ ...complete, sshHost: "198.51.100.7" });

    expect(sshTargetFromStackConfig().host).toBe("198.51.100.7");
  });

  it.each([
    ["sshHost", "`forge-previews:sshHost` is not set; set it with `pulumi config set sshHost <server address>`."],
    [
      "sshPrivateKey",
      "`forge-previews:sshPrivateKey` is not set; set it with `pulumi config set --secret sshPrivateKey",
    ],
    ["sshHostKeyFingerprint", "`forge-previews:sshHostKeyFingerprint` is not set; set it to what `ssh-keygen -lf"],
  ])("names the missing key %s and how to set it", (key, message) => {
    const { [key as keyof typeof complete]: _missing, ...rest } = complete;
    configure(rest);

    expect(() => sshTargetFromStackConfig()).toThrow(message);
  });

  it("refuses a port that is not a number without echoing other config", () => {
    configure({ ...complete, sshPort: "ssh" });

    expect(() => sshTargetFromStackConfig()).toThrow(
      'Stack config `forge-previews:sshPort` must be a port number 1-65535, not "ssh".',
    );
  });

  it("logs in to the test server with the values read from stack config", async () => {
    const { ssh } = testServices();
    configure({
      sshHost: ssh.host,
      sshPort: String(ssh.port),
      sshUser: ssh.user,
      sshPrivateKey: ssh.privateKey,
      sshHostKeyFingerprint: ssh.hostKeyFingerprint,
    });

    const result = await withSsh(sshTargetFromStackConfig(), (session) => session.execChecked(["printf", "%s", "ok"]));

    expect(result.stdout).toBe("ok");
  });
});
