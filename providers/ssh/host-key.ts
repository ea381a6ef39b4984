import { createHash } from "node:crypto";

/** `SHA256:` followed by unpadded base64 of 32 bytes, as `ssh-keygen -lf` prints it. */
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function isHostKeyFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

/** The `SHA256:...` fingerprint OpenSSH prints for a raw public-key blob (sha256, base64 without padding). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The algorithm name at the start of an SSH public-key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return "unknown";
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) return "unknown";
  const name = keyBlob.subarray(4, 4 + length).toString("latin1");
  return /^[a-z0-9@.+-]+$/.test(name) ? name : "unknown";
}

/** What the server presented, recorded by the verifier so a refusal can say which key it saw. */
export interface PresentedHostKey {
  fingerprint: string;
  keyType: string;
}

/**
 * A synchronous ssh2 `hostVerifier` (called with the raw key blob because no `hostHash` is set) that accepts exactly
 * the key whose fingerprint is `expected` and reports what it saw through `onPresented`.
 */
export function createHostVerifier(
  expected: string,
  onPresented: (key: PresentedHostKey) => void,
): (key: Buffer) => boolean {
  return (key) => {
    const fingerprint = fingerprintOf(key);
    onPresented({ fingerprint, keyType: keyTypeOf(key) });
    return fingerprint === expected;
  };
}
