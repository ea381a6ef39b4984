/**
 * SSH to the Forge server: host-key-verified logins with a private key, argv-quoted commands, secrets on stdin or in
 * 0600 temp files, and forwarded TCP channels. No Pulumi imports except the stack-config reader; ssh2 is loaded with
 * `require` at call time so nothing here is serialized into a dynamic provider.
 */
export { SshSession, withSsh } from "./session";
export { buildShellCommand, quoteShellArg } from "./quote";
export { withRemoteSecretFile } from "./remote-secret";
export { sshTargetFromStackConfig } from "./stack-target";
export { fingerprintOf, isHostKeyFingerprint } from "./host-key";
export {
  SshCommandError,
  SshConnectError,
  SshError,
  SshHostKeyMismatchError,
  SshTimeoutError,
  describeTarget,
} from "./errors";
export type { ExecOptions, ExecResult, SshTarget } from "./types";
