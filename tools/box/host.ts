/**
 * What Forge's agent does on a Forge server, done for real on this machine by the box: Linux users, PHP-FPM pools,
 * nginx server blocks, clones, `.env` files, deployments, supervisor programs, basic auth and ACME certificates. The
 * box's own records (one JSON file per site, one per security rule, one supervisor file per process) live under its
 * dir, so a restarted box knows what it made, and every delete first proves the box made its target.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { RuleCredential } from "../simulator/agent";
import type { BackgroundProcessRecord } from "../simulator/types";
import { PHP_VERSION, type BoxServices } from "./services";

/**
 * The start of the comment (GECOS) of every Linux user a box creates; the box's own id follows, so each box
 * recognises (and ever removes) only the users it made, whatever other boxes run on the machine.
 */
export const BOX_USER_MARK = "forge-previews box site user";
/** The box's id, made once per box dir: kept beside its records, so a restarted box still knows its users. */
const BOX_ID_FILE = "box-id";
const SUDOERS_DIR = "/etc/sudoers.d";
const SETPRIV = "/usr/bin/setpriv";
const SAFE_NAME = /^[a-z0-9][a-z0-9.-]{0,252}$/;
const SAFE_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

export interface BoxSite {
  id: number;
  name: string;
  user: string;
  /** `/home/<user>/<name>`. */
  directory: string;
  /** Below `directory`, e.g. `/public`. */
  webDirectory: string;
  /** Whether a certificate is installed in the server block. */
  certificate: boolean;
}

export interface CommandResult {
  code: number;
  output: string;
}

/** What a supervisor program is made from: the fields Forge's background-process API takes. */
export type ProgramSpec = Pick<
  BackgroundProcessRecord,
  "command" | "user" | "directory" | "processes" | "startsecs" | "stopwaitsecs" | "stopsignal"
>;

export type ProgramState = "running" | "starting" | "backoff" | "fatal" | "stopped" | "exited" | "unknown";

function run(file: string, args: readonly string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 120_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function mustRun(what: string, file: string, args: readonly string[]): Promise<string> {
  const result = await run(file, args);
  if (result.code !== 0)
    throw new Error(`The box could not ${what}: ${result.output.trim().split("\n").slice(-5).join("\n")}`);
  return result.output;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
}

function passwdEntry(user: string): PasswdEntry | null {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid, comment, home] = line.split(":");
    if (name === user) return { name, uid: Number(uid), gid: Number(gid), comment: comment ?? "", home: home ?? "" };
  }
  return null;
}

/** Waits (up to 15 s) until no process runs as `uid`. */
async function waitForNoProcesses(uid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  const running = () =>
    readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .some((pid) => {
        try {
          return new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(readFileSync(`/proc/${pid}/status`, "utf8"));
        } catch {
          return false;
        }
      });
  while (running() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** `{SSHA}` (salted SHA-1), which nginx's auth_basic reads; hashed here so no password reaches a command line. */
function htpasswdHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password, "utf8").update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

/**
 * Makes (or refreshes) a bare repository `<gitDir>/<name>.git` from the files of `sourceDir`, committed on `branch`, and
 * answers its path: the "repository URL" sites clone from. Readable by every user, as a public remote is. A branch
 * that exists gets a new commit on top (as a push to a PR's branch), one that does not starts from the default
 * branch; either way its files become exactly `sourceDir`'s, and unchanged files make no new commit.
 */
export async function publishRepository(
  gitDir: string,
  name: string,
  sourceDir: string,
  branch = "main",
): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`Repository name \`${name}\` must be lowercase letters, digits, -`);
  mkdirSync(gitDir, { recursive: true });
  const bare = join(gitDir, `${name}.git`);
  const work = join(gitDir, `${name}.work`);
  rmSync(work, { recursive: true, force: true });
  const git = (args: string[]) => mustRun(`run git ${args[0]}`, "git", args);
  if (!existsSync(bare)) await git(["init", "--bare", "--quiet", `--initial-branch=${branch}`, bare]);
  await git(["clone", "--quiet", bare, work]);
  const published = await run("git", ["-C", work, "rev-parse", "--verify", "--quiet", `origin/${branch}`]);
  await git(["-C", work, "checkout", "--quiet", "-B", branch, ...(published.code === 0 ? [`origin/${branch}`] : [])]);
  await git(["-C", work, "rm", "-r", "--quiet", "--ignore-unmatch", "."]);
  await mustRun("copy the app", "cp", ["-a", `${sourceDir}/.`, work]);
  await git(["-C", work, "add", "--all"]);
  const status = await git(["-C", work, "status", "--porcelain"]);
  if (status.trim() !== "") {
    await git([
      ...["-C", work, "-c", "user.name=forge-previews box", "-c", "user.email=box@forge-previews.invalid"],
      ...["commit", "--quiet", "-m", `Publish ${name}`],
    ]);
    await git(["-C", work, "push", "--quiet", "origin", `HEAD:${branch}`]);
  }
  rmSync(work, { recursive: true, force: true });
  await mustRun("open the repository to the sites' users", "chmod", ["-R", "a+rX", bare]);
  chmodSync(gitDir, 0o755);
  return bare;
}

/** The commit `branch` of the bare repository `bare` points at. */
export async function branchCommit(bare: string, branch = "main"): Promise<string> {
  return (await mustRun("read the published commit", "git", ["-C", bare, "rev-parse", `refs/heads/${branch}`])).trim();
}

interface RuleRecord {
  id: number;
  siteId: number;
  name: string;
  path: string | null;
  /** `username:hash` lines. */
  lines: string[];
}

/** The box dir's id (8 hex digits), created on first use (`created` then). */
function boxIdOf(dir: string): { id: string; created: boolean } {
  const file = join(dir, BOX_ID_FILE);
  const created = !existsSync(file);
  if (created) writeFileSync(file, `${randomBytes(4).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  const id = readFileSync(file, "utf8").trim();
  if (!/^[0-9a-f]{8}$/.test(id)) throw new Error(`${file} does not hold a box id (8 hex digits); remove the box dir`);
  return { id, created };
}

export class BoxHost {
  private readonly sitesDir: string;
  private readonly rulesDir: string;
  /** This box's id: in its users' comment and its sudo rules' file names. */
  readonly id: string;
  /** The comment of every Linux user this box made. */
  readonly userMark: string;

  constructor(
    readonly services: BoxServices,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.sitesDir = join(services.paths.dir, "sites");
    this.rulesDir = join(services.paths.dir, "rules");
    mkdirSync(this.sitesDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.rulesDir, { recursive: true, mode: 0o700 });
    const { id, created } = boxIdOf(services.paths.dir);
    this.id = id;
    this.userMark = `${BOX_USER_MARK} ${this.id}`;
    if (created) this.adoptUnmarkedUsers();
  }

  /**
   * A box dir made before boxes had ids (a sandbox kept across the change) marked its users with the bare mark and
   * named its sudo rules without an id. Its own site records name those users, so they get this box's mark and rules;
   * a user no record of this box names is left as it is.
   */
  private adoptUnmarkedUsers(): void {
    for (const user of new Set(this.sites().map((site) => site.user))) {
      if (passwdEntry(user)?.comment !== BOX_USER_MARK) continue;
      execFileSync("usermod", ["--comment", this.userMark, user]);
      const unmarkedRule = join(SUDOERS_DIR, `forge-previews-box-${user}`);
      if (existsSync(unmarkedRule)) renameSync(unmarkedRule, this.sudoersFile(user));
    }
  }

  /** Whether this box made `entry` (its comment carries this box's mark). */
  private made(entry: PasswdEntry | null): entry is PasswdEntry {
    return entry !== null && entry.comment === this.userMark;
  }

  // --- the local git remote ------------------------------------------------------------------------------------------

  /** `publishRepository` into the box's git dir, which the sites' users can read. */
  publishRepository(name: string, sourceDir: string, branch = "main"): Promise<string> {
    return publishRepository(this.services.paths.git, name, sourceDir, branch);
  }

  // --- sites ---------------------------------------------------------------------------------------------------------

  private siteFile(id: number): string {
    return join(this.sitesDir, `${id}.json`);
  }

  sites(): BoxSite[] {
    return readdirSync(this.sitesDir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => JSON.parse(readFileSync(join(this.sitesDir, file), "utf8")) as BoxSite);
  }

  site(id: number): BoxSite | undefined {
    return this.sites().find((site) => site.id === id);
  }

  private saveSite(site: BoxSite): void {
    writeFileSync(this.siteFile(site.id), JSON.stringify(site), { mode: 0o600 });
  }

  /** The Linux user, made by this box (marked) or refused: the box never takes over a user it did not make. */
  private async ensureUser(user: string): Promise<PasswdEntry> {
    if (!SAFE_USER.test(user)) throw new Error(`Linux user name \`${user}\` is not valid`);
    const existing = passwdEntry(user);
    if (existing !== null) {
      if (!this.made(existing))
        throw new Error(`Linux user \`${user}\` exists and was not made by this box; the box will not use it`);
      return existing;
    }
    await mustRun("create the site's Linux user", "useradd", [
      ...["--create-home", "--user-group", "--shell", "/bin/bash", "--comment", this.userMark, user],
    ]);
    const made = passwdEntry(user);
    if (made === null) throw new Error(`useradd did not create \`${user}\``);
    // nginx's workers pass through to the site's public files; the files themselves keep their own modes.
    chmodSync(made.home, 0o711);
    return made;
  }

  /** Runs `file args` as `user` with a clean environment (plus `env`), in `cwd`, with stdin closed. */
  runAs(
    user: string,
    cwd: string,
    file: string,
    args: readonly string[],
    env: Record<string, string> = {},
  ): Promise<CommandResult> {
    const entry = passwdEntry(user);
    if (entry === null) throw new Error(`No Linux user \`${user}\``);
    const argv = [
      ...[`--reuid=${entry.uid}`, `--regid=${entry.gid}`, "--init-groups", "--reset-env", "--"],
      ...["/usr/bin/env", ...Object.entries(env).map(([key, value]) => `${key}=${value}`), file, ...args],
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(SETPRIV, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString("utf8") });
      });
    });
  }

  /** Site create, as Forge's agent installs an isolated site: user, home, pool, server block, clone. */
  async createSite(input: {
    id: number;
    name: string;
    user: string;
    webDirectory: string;
    repository: string | null;
    branch: string | null;
  }): Promise<BoxSite> {
    if (!SAFE_NAME.test(input.name)) throw new Error(`Site name \`${input.name}\` is not a hostname`);
    const entry = await this.ensureUser(input.user);
    const site: BoxSite = {
      id: input.id,
      name: input.name,
      user: input.user,
      directory: join(entry.home, input.name),
      webDirectory: input.webDirectory,
      certificate: false,
    };
    this.saveSite(site);
    if (input.repository !== null) {
      // The box's remote is a local bare repository owned by root, which git trusts only when told to.
      const gitconfig = join(entry.home, ".gitconfig");
      writeFileSync(gitconfig, `[safe]\n\tdirectory = ${input.repository}\n`, { mode: 0o644 });
      chownSync(gitconfig, entry.uid, entry.gid);
      const clone = await this.runAs(site.user, entry.home, "git", [
        ...["clone", "--quiet", "--branch", input.branch ?? "main", "--", input.repository, site.directory],
      ]);
      if (clone.code !== 0) throw new Error(`git clone failed: ${clone.output.trim()}`);
    } else {
      await this.runAs(site.user, entry.home, "mkdir", ["-p", join(site.directory, site.webDirectory)]);
    }
    this.writePool(site.user);
    this.writeServerBlock(site);
    await this.services.reloadFpm();
    await this.services.reloadNginx();
    this.log(`box: site ${site.name} installed for ${site.user}`);
    return site;
  }

  private poolFile(user: string): string {
    return join(this.services.paths.fpmPools, `${user}.conf`);
  }

  private poolSocket(user: string): string {
    return join(this.services.paths.fpmSockets, `${user}.sock`);
  }

  private writePool(user: string): void {
    writeFileSync(
      this.poolFile(user),
      [
        `[${user}]`,
        `user = ${user}`,
        `group = ${user}`,
        `listen = ${this.poolSocket(user)}`,
        "listen.owner = www-data",
        "listen.group = www-data",
        "listen.mode = 0660",
        "pm = ondemand",
        "pm.max_children = 4",
        "pm.process_idle_timeout = 30s",
        "",
      ].join("\n"),
    );
  }

  private serverBlockFile(site: BoxSite): string {
    return join(this.services.paths.nginxSites, `${site.name}.conf`);
  }

  private certificateDir(site: BoxSite): string {
    return join(this.services.paths.certificates, site.name);
  }

  private rules(siteId?: number): RuleRecord[] {
    return readdirSync(this.rulesDir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => JSON.parse(readFileSync(join(this.rulesDir, file), "utf8")) as RuleRecord)
      .filter((rule) => siteId === undefined || rule.siteId === siteId);
  }

  /** One htpasswd file per protected path of the site, holding every rule's credentials for it. */
  private authFor(site: BoxSite): Map<string, { realm: string; file: string }> {
    const byPath = new Map<string, RuleRecord[]>();
    for (const rule of this.rules(site.id))
      byPath.set(rule.path ?? "/", [...(byPath.get(rule.path ?? "/") ?? []), rule]);
    const auth = new Map<string, { realm: string; file: string }>();
    let index = 0;
    for (const [path, rules] of byPath) {
      const file = join(this.services.paths.htpasswd, `${site.name}.${index++}`);
      writeFileSync(file, `${rules.flatMap((rule) => rule.lines).join("\n")}\n`, { mode: 0o640 });
      chownSync(file, 0, passwdEntry("www-data")?.gid ?? 0);
      auth.set(path, { realm: rules[0]?.name ?? "Restricted", file });
    }
    return auth;
  }

  private writeServerBlock(site: BoxSite): void {
    const { ports, paths } = this.services;
    const root = join(site.directory, site.webDirectory);
    const php = [
      "    location ~ \\.php$ {",
      `      fastcgi_pass unix:${this.poolSocket(site.user)};`,
      "      fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;",
      "      include /etc/nginx/fastcgi_params;",
      "    }",
    ];
    const app = ["    try_files $uri $uri/ /index.php?$query_string;"];
    const auth = this.authFor(site);
    const whole = auth.get("/");
    const quote = (text: string) => `"${text.replace(/["\\]/g, "")}"`;
    const lines = [
      "# Managed by the forge-previews box.",
      "server {",
      `  listen 127.0.0.1:${ports.http};`,
      ...(site.certificate
        ? [
            `  listen 127.0.0.1:${ports.https} ssl;`,
            `  ssl_certificate ${join(this.certificateDir(site), "fullchain.pem")};`,
            `  ssl_certificate_key ${join(this.certificateDir(site), "privkey.pem")};`,
          ]
        : []),
      `  server_name ${site.name};`,
      `  root ${root};`,
      "  index index.php index.html;",
      "  charset utf-8;",
      ...(whole ? [`  auth_basic ${quote(whole.realm)};`, `  auth_basic_user_file ${whole.file};`] : []),
      // ACME's http-01 answers are public, as on Forge.
      "  location ^~ /.well-known/acme-challenge/ {",
      "    auth_basic off;",
      `    root ${paths.acmeWebroot};`,
      "  }",
      ...[...auth]
        .filter(([path]) => path !== "/")
        .flatMap(([path, rule]) => [
          `  location ^~ ${path} {`,
          `    auth_basic ${quote(rule.realm)};`,
          `    auth_basic_user_file ${rule.file};`,
          ...app,
          "  }",
        ]),
      "  location / {",
      ...app,
      "  }",
      ...php.map((line) => line.slice(2)),
      "}",
      "",
    ];
    writeFileSync(this.serverBlockFile(site), lines.join("\n"));
  }

  // --- .env ----------------------------------------------------------------------------------------------------------

  private envPath(site: BoxSite): string {
    return join(site.directory, ".env");
  }

  /** Writes the site's `.env`, owned by the site's user, mode 600. */
  writeEnv(site: BoxSite, content: string): void {
    const entry = passwdEntry(site.user);
    if (entry === null) throw new Error(`No Linux user \`${site.user}\``);
    mkdirSync(site.directory, { recursive: true });
    const file = this.envPath(site);
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
    chownSync(file, entry.uid, entry.gid);
  }

  readEnv(site: BoxSite): string {
    const file = this.envPath(site);
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  // --- deployments ---------------------------------------------------------------------------------------------------

  /** The variables Forge's agent gives a deployment script. */
  deploymentEnv(site: BoxSite, serverId: number, branch: string | null): Record<string, string> {
    return {
      FORGE_SERVER_ID: String(serverId),
      FORGE_SITE_ID: String(site.id),
      FORGE_SITE_USER: site.user,
      FORGE_SITE_PATH: site.directory,
      FORGE_SITE_BRANCH: branch ?? "",
      FORGE_PHP: `/usr/bin/php${PHP_VERSION}`,
      FORGE_PHP_FPM: `php${PHP_VERSION}-fpm`,
      FORGE_COMPOSER: "/usr/bin/composer",
      FORGE_MANUAL_DEPLOY: "1",
      FORGE_QUICK_DEPLOY: "0",
      FORGE_REDEPLOY: "0",
      // The box's `service` (for the sudo rule below) comes first.
      PATH: `${this.binDir()}:/usr/local/bin:/usr/bin:/bin`,
    };
  }

  private binDir(): string {
    return join(this.services.paths.dir, "bin");
  }

  /**
   * Forge's sudo rule: the site user may run `service php<version>-fpm reload`, nothing else, without a password.
   * On the box that `service` is a root-owned script that reloads the box's own PHP-FPM.
   */
  private ensureFpmReloadRule(user: string): void {
    const bin = this.binDir();
    mkdirSync(bin, { recursive: true, mode: 0o755 });
    chmodSync(this.services.paths.dir, 0o711);
    const service = join(bin, "service");
    writeFileSync(
      service,
      [
        "#!/bin/sh",
        "# The box's `service`: reloads the box's PHP-FPM, the one thing the sites' sudo rule allows.",
        `[ "$1" = "php${PHP_VERSION}-fpm" ] && [ "$2" = "reload" ] || { echo "service: only php${PHP_VERSION}-fpm reload" >&2; exit 1; }`,
        `kill -USR2 "$(cat ${join(this.services.paths.dir, "php", "php-fpm.pid")})" && echo "Reloading PHP ${PHP_VERSION} FPM..."`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    chmodSync(service, 0o755);
    const rule = [
      `Defaults:${user} secure_path="${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"`,
      `${user} ALL=(root) NOPASSWD: ${service} php${PHP_VERSION}-fpm reload`,
      "",
    ].join("\n");
    writeFileSync(this.sudoersFile(user), rule, { mode: 0o440 });
  }

  /** This box's sudo rules' file names start so (sudo reads names without a dot or a trailing `~`). */
  private sudoersPrefix(): string {
    return `forge-previews-box-${this.id}-`;
  }

  private sudoersFile(user: string): string {
    return join(SUDOERS_DIR, `${this.sudoersPrefix()}${user}`);
  }

  /** Runs the site's deployment script, exactly as stored, as the site's user; its exit status and output. */
  async deploy(site: BoxSite, serverId: number, script: string, branch: string | null): Promise<CommandResult> {
    this.ensureFpmReloadRule(site.user);
    const entry = passwdEntry(site.user);
    if (entry === null) throw new Error(`No Linux user \`${site.user}\``);
    const forgeDir = join(entry.home, ".forge");
    mkdirSync(forgeDir, { recursive: true, mode: 0o700 });
    chownSync(forgeDir, entry.uid, entry.gid);
    const file = join(forgeDir, `deploy-${site.id}.sh`);
    writeFileSync(file, script, { mode: 0o700 });
    chownSync(file, entry.uid, entry.gid);
    const cwd = existsSync(site.directory) ? site.directory : entry.home;
    return this.runAs(site.user, cwd, "/bin/bash", [file], this.deploymentEnv(site, serverId, branch));
  }

  // --- security rules ------------------------------------------------------------------------------------------------

  async installSecurityRule(
    site: BoxSite,
    rule: { id: number; name: string; path: string | null; credentials: RuleCredential[] },
  ): Promise<void> {
    // The path lands in nginx's configuration: only plain URL path characters, so nothing can end the block.
    if (rule.path !== null && !/^\/[A-Za-z0-9._~/-]*$/.test(rule.path))
      throw new Error(`Security rule path \`${rule.path}\` must be a plain URL path such as \`/admin\``);
    const file = join(this.rulesDir, `${rule.id}.json`);
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as RuleRecord) : null;
    const lines = rule.credentials.map((credential) => {
      if (/[:\s]/.test(credential.username)) throw new Error("A basic-auth username may not hold `:` or whitespace");
      if (credential.password !== undefined && credential.password !== "")
        return `${credential.username}:${htpasswdHash(credential.password)}`;
      const kept = previous?.lines.find((line) => line.startsWith(`${credential.username}:`));
      if (kept === undefined) throw new Error(`No password for basic-auth user \`${credential.username}\``);
      return kept;
    });
    const record: RuleRecord = { id: rule.id, siteId: site.id, name: rule.name, path: rule.path, lines };
    writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    this.writeServerBlock(site);
    await this.services.reloadNginx();
  }

  async removeSecurityRule(site: BoxSite, ruleId: number): Promise<void> {
    rmSync(join(this.rulesDir, `${ruleId}.json`), { force: true });
    this.writeServerBlock(site);
    await this.services.reloadNginx();
  }

  // --- background processes ------------------------------------------------------------------------------------------

  private programName(id: number): string {
    return `box-process-${id}`;
  }

  private programFile(id: number): string {
    return join(this.services.paths.supervisorPrograms, `${this.programName(id)}.conf`);
  }

  /** A supervisor program with the command, user, processes, stop signal and wait the API was given. */
  async addProgram(id: number, spec: ProgramSpec): Promise<void> {
    if (/[\r\n]/.test(spec.command)) throw new Error("A background process command may not hold a line break");
    if (!SAFE_USER.test(spec.user)) throw new Error(`Background process user \`${spec.user}\` is not valid`);
    if (spec.stopsignal !== null && !/^(SIG)?[A-Z0-9]+$/.test(spec.stopsignal))
      throw new Error(`Background process stop signal \`${spec.stopsignal}\` is not a signal name such as SIGTERM`);
    const name = this.programName(id);
    const lines = [
      `[program:${name}]`,
      `command=${spec.command}`,
      `user=${spec.user}`,
      ...(spec.directory ? [`directory=${spec.directory}`] : []),
      `numprocs=${spec.processes}`,
      "process_name=%(program_name)s_%(process_num)02d",
      "autostart=true",
      "autorestart=true",
      `startsecs=${spec.startsecs ?? 1}`,
      `stopwaitsecs=${spec.stopwaitsecs ?? 10}`,
      `stopsignal=${(spec.stopsignal ?? "TERM").replace(/^SIG/, "")}`,
      "stopasgroup=true",
      "killasgroup=true",
      "redirect_stderr=true",
      `stdout_logfile=${join(this.services.paths.supervisorLogs, `${name}.log`)}`,
      "",
    ];
    writeFileSync(this.programFile(id), lines.join("\n"));
    await this.services.supervisorctl(["reread"]);
    await this.services.supervisorctl(["update", name]);
  }

  async removeProgram(id: number): Promise<void> {
    rmSync(this.programFile(id), { force: true });
    await this.services.supervisorctl(["reread"]);
    await this.services.supervisorctl(["update", this.programName(id)]);
    rmSync(join(this.services.paths.supervisorLogs, `${this.programName(id)}.log`), { force: true });
  }

  /** supervisorctl's `start`, `stop` or `restart` of every process of the program (a FATAL one starts afresh). */
  async programAction(id: number, action: "start" | "stop" | "restart"): Promise<void> {
    const { code, output } = await this.services.supervisorctl([action, `${this.programName(id)}:*`]);
    // supervisorctl answers non-zero when a process fails to start: the state read next reports that.
    this.log(`box: ${action} ${this.programName(id)} (exit ${code}): ${output.trim().split("\n").slice(-1)[0] ?? ""}`);
  }

  /** The program's live state as supervisor reports it (the worst of its processes). */
  async programState(id: number): Promise<ProgramState> {
    const { output } = await this.services.supervisorctl(["status", `${this.programName(id)}:*`]);
    const states = output
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[1]?.toLowerCase())
      .filter((state): state is string => state !== undefined && state !== "");
    for (const worst of ["fatal", "backoff", "exited", "stopped", "starting", "running"] as const)
      if (states.includes(worst)) return worst;
    return "unknown";
  }

  // --- certificates --------------------------------------------------------------------------------------------------

  /** A real ACME issuance against the box's Pebble, http-01 through the site's nginx, then installed in its block. */
  async requestCertificate(site: BoxSite): Promise<CommandResult> {
    const { paths, acmeDirectoryUrl, acmeTlsCaFile } = this.services;
    const certbotDir = join(paths.dir, "certbot");
    const result = await run("/usr/bin/env", [
      `REQUESTS_CA_BUNDLE=${acmeTlsCaFile}`,
      "certbot",
      ...["certonly", "--non-interactive", "--agree-tos", "--register-unsafely-without-email"],
      ...["--server", acmeDirectoryUrl, "--webroot", "--webroot-path", paths.acmeWebroot],
      ...["--config-dir", join(certbotDir, "config"), "--work-dir", join(certbotDir, "work")],
      ...["--logs-dir", join(certbotDir, "logs"), "--cert-name", site.name, "--domain", site.name],
      ...["--key-type", "ecdsa", "--force-renewal", "--no-random-sleep-on-renew"],
    ]);
    if (result.code !== 0) return result;
    const live = join(certbotDir, "config", "live", site.name);
    const target = this.certificateDir(site);
    mkdirSync(target, { recursive: true, mode: 0o700 });
    for (const file of ["fullchain.pem", "privkey.pem"])
      writeFileSync(join(target, file), readFileSync(join(live, file)), { mode: 0o600 });
    site.certificate = true;
    this.saveSite(site);
    this.writeServerBlock(site);
    await this.services.reloadNginx();
    return result;
  }

  async removeCertificate(site: BoxSite): Promise<void> {
    site.certificate = false;
    this.saveSite(site);
    this.writeServerBlock(site);
    await this.services.reloadNginx();
    await this.forgetCertificate(site.name);
  }

  private async forgetCertificate(name: string): Promise<void> {
    const certbotDir = join(this.services.paths.dir, "certbot");
    if (existsSync(join(certbotDir, "config", "renewal", `${name}.conf`))) {
      await run("certbot", [
        ...["delete", "--non-interactive", "--cert-name", name, "--config-dir", join(certbotDir, "config")],
        ...["--work-dir", join(certbotDir, "work"), "--logs-dir", join(certbotDir, "logs")],
      ]);
    }
    rmSync(join(this.services.paths.certificates, name), { recursive: true, force: true });
  }

  // --- site delete and the leak report -------------------------------------------------------------------------------

  /** Removes the server block, rules, certificate, site directory, and the pool and user once no other site uses them. */
  async deleteSite(site: BoxSite): Promise<void> {
    rmSync(this.serverBlockFile(site), { force: true });
    for (const rule of this.rules(site.id)) rmSync(join(this.rulesDir, `${rule.id}.json`), { force: true });
    for (const file of readdirSync(this.services.paths.htpasswd))
      if (file.startsWith(`${site.name}.`)) rmSync(join(this.services.paths.htpasswd, file), { force: true });
    await this.forgetCertificate(site.name);
    rmSync(this.siteFile(site.id), { force: true });
    await this.services.reloadNginx();
    const entry = passwdEntry(site.user);
    if (this.made(entry) && site.directory.startsWith(`${entry.home}/`))
      rmSync(site.directory, { recursive: true, force: true });
    if (!this.sites().some((other) => other.user === site.user)) {
      rmSync(this.poolFile(site.user), { force: true });
      await this.services.reloadFpm();
      rmSync(this.sudoersFile(site.user), { force: true });
      if (this.made(entry)) {
        // The user's processes (pool workers, a worker being stopped) end first, or userdel refuses.
        await waitForNoProcesses(entry.uid);
        await mustRun("remove the site's Linux user", "userdel", ["--remove", site.user]);
      }
    }
    this.log(`box: site ${site.name} removed`);
  }

  /**
   * Everything this box made that no site accounts for any more, and every supervisor program but `programs` (the
   * background processes that still exist); empty when nothing leaked. Another box's users and rules are not listed.
   */
  async leaks(programs: ReadonlySet<number> = new Set()): Promise<string[]> {
    const sites = this.sites();
    const users = new Set(sites.map((site) => site.user));
    const names = new Set(sites.map((site) => site.name));
    const found: string[] = [];
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , , , comment] = line.split(":");
      if (comment === this.userMark && name !== undefined && !users.has(name)) found.push(`Linux user ${name}`);
    }
    for (const file of readdirSync(this.services.paths.fpmPools)) {
      const user = file.replace(/\.conf$/, "");
      if (file !== "box.conf" && !users.has(user)) found.push(`PHP-FPM pool ${user}`);
    }
    for (const file of readdirSync(this.services.paths.nginxSites))
      if (!names.has(file.replace(/\.conf$/, ""))) found.push(`nginx server block ${file}`);
    for (const name of readdirSync(this.services.paths.certificates))
      if (!names.has(name)) found.push(`certificate ${name}`);
    const known = new Set([...programs].map((id) => this.programName(id)));
    for (const file of readdirSync(this.services.paths.supervisorPrograms))
      if (!known.has(file.replace(/\.conf$/, ""))) found.push(`supervisor program ${file}`);
    const prefix = this.sudoersPrefix();
    for (const file of readdirSync(SUDOERS_DIR))
      if (file.startsWith(prefix) && !users.has(file.slice(prefix.length))) found.push(`sudo rule ${file}`);
    const { output } = await this.services.supervisorctl(["status"]);
    for (const line of output.split("\n").filter((entry) => entry.trim() !== "")) {
      const process = line.trim().split(/\s+/)[0] ?? "";
      if (!known.has(process.split(":")[0] ?? "")) found.push(`supervisor process ${process}`);
    }
    return found;
  }
}
