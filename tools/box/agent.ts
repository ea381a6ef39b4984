/**
 * The simulator's host hooks done for real by the box: what Forge's agent does on a Forge server when the API asks.
 * Work for one site runs in order (an `.env` write waits for the clone), and `idle()` waits for everything started.
 */
import type { HostAgent } from "../simulator/agent";
import type { SiteRecord } from "../simulator/types";
import type { BoxHost, BoxSite, ProgramState } from "./host";

export interface BoxAgentOptions {
  host: BoxHost;
  /** The repository names sites are created with (`acme/demo`), each mapped to the box's local remote. */
  repositories: Record<string, string>;
  /** How often the supervisor states the API reports are read. @default 1000 */
  statusIntervalMs?: number;
}

export interface BoxAgent extends HostAgent {
  /** Resolves once every piece of work started so far has settled. */
  idle(): Promise<void>;
  /** Stops reading supervisor states. */
  close(): void;
}

/** The last lines of a command's output, for an error the simulator logs. */
function tail(output: string, lines = 12): string {
  return output.trim().split("\n").slice(-lines).join("\n");
}

export function boxAgent(options: BoxAgentOptions): BoxAgent {
  const { host } = options;
  const chains = new Map<number, Promise<unknown>>();
  const busy = new Map<number, number>();
  const pending = new Set<Promise<unknown>>();
  const states = new Map<number, ProgramState>();

  /** Runs `work` after the site's earlier work; the returned promise is the work's own. */
  const queue = <T>(siteId: number, work: () => Promise<T>): Promise<T> => {
    const previous = chains.get(siteId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    chains.set(siteId, next);
    pending.add(next);
    busy.set(siteId, (busy.get(siteId) ?? 0) + 1);
    void next
      .finally(() => {
        pending.delete(next);
        busy.set(siteId, (busy.get(siteId) ?? 1) - 1);
      })
      .catch(() => undefined);
    return next;
  };
  const boxSite = (site: SiteRecord): BoxSite => {
    const found = host.site(site.id);
    if (found === undefined) throw new Error(`The box has no site ${site.name}`);
    return found;
  };

  const refresh = async () => {
    for (const id of states.keys()) states.set(id, await host.programState(id));
  };
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch(() => undefined)
      .finally(() => {
        refreshing = false;
      });
  }, options.statusIntervalMs ?? 1000);
  timer.unref();

  return {
    siteCreated(site, environment) {
      return queue(site.id, async () => {
        const url = site.repository?.url ?? null;
        const repository = url === null ? null : options.repositories[url];
        if (repository === undefined)
          throw new Error(
            `The box serves no repository ${url}; it has ${Object.keys(options.repositories).join(", ")}`,
          );
        const created = await host.createSite({
          id: site.id,
          name: site.name,
          user: site.user,
          webDirectory: site.webDirectory,
          repository,
          branch: site.repository?.branch ?? null,
        });
        host.writeEnv(created, environment);
      });
    },
    siteDeleted(site) {
      return queue(site.id, async () => {
        const found = host.site(site.id);
        if (found !== undefined) await host.deleteSite(found);
      });
    },
    environmentWritten(site, content) {
      void queue(site.id, async () => host.writeEnv(boxSite(site), content)).catch(() => undefined);
    },
    environmentRead(site) {
      const found = host.site(site.id);
      // While the site's work runs, the file may not exist yet (or lag a write): the simulator's record answers.
      return found !== undefined && (busy.get(site.id) ?? 0) === 0 ? host.readEnv(found) : null;
    },
    deploymentScriptWritten: () => undefined,
    deploymentRun(site) {
      return queue(site.id, async () => {
        const result = await host.deploy(
          boxSite(site),
          site.serverId,
          site.deploymentScript,
          site.repository?.branch ?? null,
        );
        return { ok: result.code === 0, log: result.output.trimEnd() };
      });
    },
    backgroundProcessCreated(process) {
      return queue(-process.id, async () => {
        await host.addProgram(process.id, process);
        states.set(process.id, await host.programState(process.id));
      });
    },
    backgroundProcessDeleted(process) {
      return queue(-process.id, async () => {
        states.delete(process.id);
        await host.removeProgram(process.id);
      });
    },
    backgroundProcessAction(process, action) {
      return queue(-process.id, async () => {
        await host.programAction(process.id, action);
        states.set(process.id, await host.programState(process.id));
      });
    },
    backgroundProcessStatus: (process) => states.get(process.id) ?? null,
    securityRuleInstalled(site, rule, credentials) {
      return queue(site.id, () =>
        host.installSecurityRule(boxSite(site), { id: rule.id, name: rule.name, path: rule.path, credentials }),
      );
    },
    securityRuleRemoved(site, rule) {
      return queue(site.id, async () => {
        const found = host.site(site.id);
        if (found !== undefined) await host.removeSecurityRule(found, rule.id);
      });
    },
    certificateRequested(site) {
      return queue(site.id, async () => {
        const result = await host.requestCertificate(boxSite(site));
        if (result.code !== 0) throw new Error(`certbot failed:\n${tail(result.output)}`);
      });
    },
    certificateRemoved(site) {
      return queue(site.id, async () => {
        const found = host.site(site.id);
        if (found !== undefined) await host.removeCertificate(found);
      });
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () => clearInterval(timer),
  };
}
