import * as fs from "fs";
import * as path from "path";
import { DEPLOY_SCRIPT_FILE } from "./deploy-script";

/**
 * Each site gets `<sandboxRoot>/server-<id>/<site name>/` holding its `.env` and deployment
 * script, the two files Forge writes on the server. Without a sandbox root nothing is written.
 */
export class SandboxFiles {
  constructor(private readonly root: string | null) {}

  get enabled(): boolean {
    return this.root !== null;
  }

  siteDir(serverId: number, siteName: string): string | null {
    if (this.root === null) return null;
    const serverDir = path.join(this.root, `server-${serverId}`);
    const dir = path.resolve(serverDir, siteName);
    // Site names are validated as hostnames; this guard keeps a bad name from escaping the sandbox anyway.
    if (path.dirname(dir) !== serverDir)
      throw new Error(`Site name \`${siteName}\` cannot be used as a sandbox directory name.`);
    return dir;
  }

  private write(serverId: number, siteName: string, file: string, content: string): void {
    const dir = this.siteDir(serverId, siteName);
    if (dir === null) return;
    fs.mkdirSync(dir, { recursive: true });
    // `.env` holds secrets, so the files are readable by the owner only, as Forge leaves them.
    fs.writeFileSync(path.join(dir, file), content, { mode: 0o600 });
  }

  writeEnv(serverId: number, siteName: string, content: string): void {
    this.write(serverId, siteName, ".env", content);
  }

  writeDeployScript(serverId: number, siteName: string, content: string): void {
    this.write(serverId, siteName, DEPLOY_SCRIPT_FILE, content);
  }

  removeSite(serverId: number, siteName: string): void {
    const dir = this.siteDir(serverId, siteName);
    if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Removes every site directory the simulator manages (the `server-*` folders only). */
  clear(): void {
    if (this.root === null || !fs.existsSync(this.root)) return;
    for (const entry of fs.readdirSync(this.root)) {
      if (/^server-\d+$/.test(entry)) fs.rmSync(path.join(this.root, entry), { recursive: true, force: true });
    }
  }
}
