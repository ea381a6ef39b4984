/**
 * A stock Forge server's SSH user on this machine: a Linux user that is not root, whose sudo asks for its password
 * (Forge's `forge`). Commands reach it through the root SSH login, each run as that user by `setpriv` with a clean
 * environment, so every remote command of a clone runs with the user's rights and no others.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CommandRunner, RunOptions, RunResult } from "../../providers/db-clone";

export interface SudoUser {
  name: string;
  uid: number;
  gid: number;
  /** The password its sudo asks for. */
  password: string;
}

/** Why this machine cannot make such a user, or null when it can. */
export const SUDO_USER_SKIP_REASON: string | null =
  process.getuid?.() !== 0
    ? "needs root to create a Linux user with a sudo rule"
    : (["setpriv", "useradd", "chpasswd", "sudo"]
        .find((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
        ?.replace(/^/, "needs `")
        .concat("`") ?? null);

function sudoersFile(name: string): string {
  return `/etc/sudoers.d/forge-previews-test-${name}`;
}

/** Creates the user (name `<prefix><hex>`) with a random password and a sudo rule that asks for it. */
export function createSudoUser(prefix: string): SudoUser {
  const name = `${prefix}${randomBytes(3).toString("hex")}`;
  const password = `pw ${randomBytes(12).toString("base64url")} $'"\\`;
  execFileSync("useradd", [
    "--create-home",
    "--user-group",
    "--shell",
    "/bin/bash",
    "--comment",
    "forge-previews test",
    name,
  ]);
  execFileSync("chpasswd", [], { input: `${name}:${password}\n` });
  writeFileSync(sudoersFile(name), `${name} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { name, uid: id("-u"), gid: id("-g"), password };
}

export function removeSudoUser(user: SudoUser): void {
  rmSync(sudoersFile(user.name), { force: true });
  spawnSync("userdel", ["--remove", user.name]);
}

/** Runs each command through `inner` (the root SSH session) as `user`. */
export class AsUserRunner implements CommandRunner {
  constructor(
    private readonly inner: CommandRunner,
    readonly user: SudoUser,
  ) {}

  exec(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    const { uid, gid } = this.user;
    return this.inner.exec(
      ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--reset-env", ...argv],
      options,
    );
  }
}

/**
 * Lets other users reach `socket` (MariaDB's, inside this run's 0700 service directory) by adding search permission
 * to the directories above it up to /tmp; returns the function restoring their modes. The datadir keeps its own.
 */
export function openPathTo(socket: string): () => void {
  const changed: { dir: string; mode: number }[] = [];
  for (let dir = dirname(socket); dir !== "/tmp" && dir !== "/"; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      changed.push({ dir, mode });
    }
  }
  return () => {
    for (const { dir, mode } of changed) chmodSync(dir, mode);
  };
}
