import { fingerprintOf, isHostKeyFingerprint } from "../../../../providers/ssh";
import { keyTypeOf } from "../../../../providers/ssh/host-key";
import { testServices } from "../../../support/services";

describe("host key fingerprints", () => {
  const { ssh } = testServices();
  const blob = Buffer.from(ssh.hostPublicKey.split(" ")[1] ?? "", "base64");

  it("computes the fingerprint `ssh-keygen -lf` printed for the test server's host key", () => {
    expect(fingerprintOf(blob)).toBe(ssh.hostKeyFingerprint);
  });

  it("reads the key type from the key blob", () => {
    expect(keyTypeOf(blob)).toBe("ssh-ed25519");
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toBe("unknown");
  });

  it.each([
    [ssh.hostKeyFingerprint, true],
    ["SHA256:" + "A".repeat(43), true],
    ["SHA256:" + "A".repeat(42), false],
    ["MD5:12:34", false],
    ["sha256:" + "A".repeat(43), false],
    [`SHA256:${"A".repeat(43)}=`, false],
  ])("accepts %s as a fingerprint: %s", (value, valid) => {
    expect(isHostKeyFingerprint(value)).toBe(valid);
  });
});
