/**
 * The end of `destroy`: objects that carry a preview stack's owner mark but that its state does not know (a create
 * whose answer was lost, a run killed half-way) are found and removed, each named in the progress output. After
 * `pulumi destroy` the state holds nothing, so everything still carrying the mark is such an object.
 *
 * What counts as the stack's own, and nothing else is touched:
 * - Forge sites named `<stack>.…` that carry the stack's owner tag (a site of that name without the tag is reported and
 *   left alone); their security rules, certificates and domains go with them, as Forge deletes a site's.
 * - Background processes running the worker named `forge-previews-<stack>-worker`; Forge keeps them when a site goes.
 * - The database schema and user with the exact names only this preview has (`<app>_pr_<n>`, and the user name
 *   stacks/naming.ts builds), never one listed as a production database or a master.
 * - The Redis database claimed in the registry by this stack, emptied and released atomically while it still holds it.
 */
import {
  type BackgroundProcess,
  ForgeClient,
  type TaggedSite,
  isForgeNotFound,
  nullIfNotFound,
  redactText,
  waitDone,
  waitPending,
} from "../providers/forge";
import { isPreviewDatabaseName } from "../providers/common/ownership";
import { UserError } from "../providers/common/user-error";
import { listClaims, releaseSlot, withRedisOverSsh } from "../providers/redis";
import type { SshTarget } from "../providers/ssh";
import type { PlainConfig } from "../stacks/config-rules";
import { type PreviewNames, buildWorkerName, parseStackName } from "../stacks/naming";
import { workerNameOf } from "../providers/common/worker-name";
import { type ConfigEntries, type Env, fullKey, secretEntriesFromEnv } from "./cli-config";
import { parseEntries } from "./pulumi/preview-config";
import { resolvePreviewNames } from "./pulumi/preview-stack";
import type { PulumiCli } from "./pulumi/runner";
import { readConfig } from "./pulumi/stack-config";
import { hasRunAnUpdate } from "./pulumi/stacks";

/** Forge removes a site, schema, user or process within minutes; past this, something is stuck. */
const REMOVAL_TIMEOUT_MS = 10 * 60_000;

export interface LeftoverContext {
  env: Env;
  onProgress?(line: string): void;
  /** Overrides for the Forge client (tests pass a fast one). */
  forgeClient?: { timeoutMs?: number };
}

/**
 * Removes what `stack` left behind outside its state and returns one line per removed object (also sent to
 * `onProgress`). The configuration is the one `destroy` just gave the stack. A failure says that the stack was
 * destroyed and that running `destroy` again repeats the sweep.
 */
export async function sweepLeftovers(cli: PulumiCli, stack: string, ctx: LeftoverContext): Promise<string[]> {
  let secrets: string[] = [];
  // Such a stack may not even have the configuration that reaches Forge, and there is nothing to look for.
  if (!(await hasRunAnUpdate(cli, stack))) return [];
  try {
    const entries: ConfigEntries = {
      ...(await readConfig(cli, stack, { showSecrets: true })),
      ...secretEntriesFromEnv(ctx.env),
    };
    secrets = Object.values(entries)
      .filter((entry) => entry.secret && entry.value !== "")
      .map((entry) => entry.value);
    const config = parseEntries(entries, { kind: "existing" });
    const parsed = parseStackName(stack, config.snapshotsStack);
    if (parsed.kind !== "preview") throw new Error(`${stack} is not a preview stack`);
    const names = resolvePreviewNames({ app: parsed.app, pr: parsed.pr }, config);
    if (names.stack !== stack)
      throw new Error(`the configuration names this preview's stack ${names.stack}, not ${stack}`);
    const secret = (key: string): string | null => entries[fullKey(key)]?.value || null;
    const sweep = new Sweep(stack, names, config, secret, ctx);
    await sweep.forge();
    await sweep.redis();
    return sweep.removed;
  } catch (error) {
    const reason = redactText(error instanceof Error ? error.message : String(error), secrets);
    throw new UserError(
      `Stack ${stack} was destroyed, but removing what it left outside its state failed: ${reason}\n` +
        "Its stack is kept so that running the same `forge-previews destroy` again repeats this step.",
    );
  }
}

/** A kind of Forge object found on a server by its exact name: databases and database users. */
interface NamedOnServer {
  findByName(serverId: number, name: string): Promise<{ id: number; status: string } | undefined>;
  delete(serverId: number, id: number): Promise<void>;
  get(serverId: number, id: number): Promise<{ status: string | null }>;
}

class Sweep {
  readonly removed: string[] = [];
  private readonly client: ForgeClient;
  private readonly serverId: number;
  private readonly pollMs: number;

  constructor(
    private readonly stack: string,
    private readonly names: PreviewNames,
    private readonly config: PlainConfig,
    private readonly secret: (key: string) => string | null,
    private readonly ctx: LeftoverContext,
  ) {
    this.serverId = config.forge.serverId;
    this.client = new ForgeClient({
      baseUrl: config.forge.apiUrl,
      org: config.forge.org,
      token: () => secret("forgeToken") ?? undefined,
      ...ctx.forgeClient,
    });
    const poll = ctx.env.FORGE_PREVIEWS_POLL_MS;
    this.pollMs = poll !== undefined && /^\d+$/.test(poll) && Number(poll) > 0 ? Number(poll) : 2000;
  }

  private report(line: string): void {
    this.removed.push(line);
    this.ctx.onProgress?.(`removed leftover ${line}`);
  }

  private warn(line: string): void {
    this.ctx.onProgress?.(`left alone: ${line}`);
  }

  /** A list on the server; a server Forge does not know (404) holds nothing of this stack. */
  private async onServer<T>(list: () => Promise<T[]>): Promise<T[]> {
    try {
      return await list();
    } catch (error) {
      if (isForgeNotFound(error)) return [];
      throw error;
    }
  }

  private async waitGone(what: string, read: () => Promise<{ status: string | null }>): Promise<void> {
    await this.client.waitFor(
      async () => {
        const found = await nullIfNotFound(read());
        return found === null ? waitDone(undefined) : waitPending(found.status);
      },
      {
        what: `${what} to be removed`,
        timeoutMs: REMOVAL_TIMEOUT_MS,
        intervalMs: this.pollMs,
        maxIntervalMs: this.pollMs * 5,
        backoff: 1.5,
      },
    );
  }

  async forge(): Promise<void> {
    // Processes first: they run the site's code, and Forge does not remove them with the site.
    for (const process of await this.ownProcesses()) await this.removeProcess(process);
    for (const site of await this.ownSites()) await this.removeSite(site);
    await this.removeDatabaseUser();
    await this.removeSchema();
  }

  private async ownProcesses(): Promise<BackgroundProcess[]> {
    const worker = buildWorkerName(this.stack);
    const all = await this.onServer(() => this.client.backgroundProcesses.list(this.serverId).all());
    return all.filter((process) => workerNameOf(process.command) === worker);
  }

  private async removeProcess(process: BackgroundProcess): Promise<void> {
    const what = `Forge background process ${process.id} (worker \`${buildWorkerName(this.stack)}\`)`;
    if (process.status !== "removing")
      await nullIfNotFound(this.client.backgroundProcesses.delete(this.serverId, process.id));
    await this.waitGone(what, () => this.client.backgroundProcesses.get(this.serverId, process.id));
    this.report(what);
  }

  private async ownSites(): Promise<TaggedSite[]> {
    // Every name this stack's sites can have starts with its first DNS label; the tag is the proof.
    const label = `${this.names.domainLabel}.`;
    const candidates = await this.onServer(() => this.client.sites.listWithTags(this.serverId, label).all());
    const named = candidates.filter(({ site }) => site.name.startsWith(label));
    for (const { site } of named.filter(({ tags }) => !tags.includes(this.names.ownerTag))) {
      this.warn(
        `Forge site ${site.id} (${site.name}) lacks this stack's tag \`${this.names.ownerTag}\`, so it is not this preview's`,
      );
    }
    return named.filter(({ tags }) => tags.includes(this.names.ownerTag));
  }

  private async removeSite({ site }: TaggedSite): Promise<void> {
    const rules = await nullIfNotFound(this.client.securityRules.list(this.serverId, site.id).all());
    const domains = (await nullIfNotFound(this.client.domains.list(this.serverId, site.id).all())) ?? [];
    let certificates = 0;
    for (const domain of domains) {
      certificates += (
        (await nullIfNotFound(this.client.certificates.list(this.serverId, site.id, domain.id).all())) ?? []
      ).length;
    }
    if (site.status !== "removing" && site.status !== "uninstalling") {
      await nullIfNotFound(this.client.sites.delete(this.serverId, site.id));
    }
    await this.waitGone(`Forge site ${site.id} (${site.name})`, () => this.client.sites.get(site.id));
    const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
    this.report(
      `Forge site ${site.id} (${site.name}, tagged \`${this.names.ownerTag}\`), with its ` +
        `${count(rules?.length ?? 0, "security rule")} and ${count(certificates, "certificate")}`,
    );
  }

  /** Names in the previews' namespace, built for this stack, and never a production database or a master. */
  private protectedNames(): Set<string> {
    return new Set([
      ...this.config.productionDatabases,
      ...Object.values(this.config.apps).map((app) => app.masterDatabase),
    ]);
  }

  private async removeDatabaseUser(): Promise<void> {
    const name = this.names.databaseUser;
    if (this.protectedNames().has(name)) return;
    await this.removeNamed(this.client.databaseUsers, name, `database user \`${name}\``);
  }

  private async removeSchema(): Promise<void> {
    const name = this.names.database;
    if (!isPreviewDatabaseName(name) || this.protectedNames().has(name)) return;
    await this.removeNamed(this.client.databases, name, `database schema \`${name}\``);
  }

  /** Deletes the server's object named exactly `name`, unless it is already being removed, and waits until it is gone. */
  private async removeNamed(objects: NamedOnServer, name: string, label: string): Promise<void> {
    const [found] = await this.onServer(async () => [await objects.findByName(this.serverId, name)]);
    if (found === undefined) return;
    const what = `${label} (id ${found.id})`;
    if (found.status !== "removing") await nullIfNotFound(objects.delete(this.serverId, found.id));
    await this.waitGone(what, () => objects.get(this.serverId, found.id));
    this.report(what);
  }

  async redis(): Promise<void> {
    const privateKey = this.secret("sshPrivateKey");
    if (privateKey === null)
      throw new Error("sshPrivateKey is not set, so the Redis claims on the server cannot be checked");
    const { ssh } = this.config;
    const target: SshTarget = {
      host: ssh.host,
      port: ssh.port,
      user: ssh.user,
      privateKey,
      hostKeyFingerprint: ssh.hostKeyFingerprint,
    };
    const password = this.secret("redisPassword");
    const redis = { host: "127.0.0.1", port: this.config.redisPort, ...(password !== null ? { password } : {}) };
    const released = await withRedisOverSsh(target, redis, async (client) => {
      const slots: number[] = [];
      for (const [slot, claim] of await listClaims(client)) {
        if (claim?.stack !== this.stack) continue;
        // Atomic: emptied and released only while this stack still holds it.
        if ((await releaseSlot(client, slot, this.stack)).outcome === "released") slots.push(slot);
      }
      return slots;
    });
    for (const slot of released)
      this.report(`Redis database ${slot} (claimed by stack ${this.stack}), emptied and released`);
  }
}
