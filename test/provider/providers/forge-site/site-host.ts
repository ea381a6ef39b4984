import type { Quirks, Simulator, SimulatorOptions } from "../../../../tools/simulator";
import type { DynamicHost } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { FORGE_SITE_ARGS } from "../../../support/samples";
import { ORG } from "../../../support/simulator";

export const SITES = `/orgs/${ORG}/servers/1/sites`;

export type Props = Record<string, unknown>;

/** One ForgeSite of `domain` behind a real dynamic-provider host, against a simulator showing `quirks`. */
export interface SiteHost {
  fixture: ForgeProviderHost;
  sim: Simulator;
  host: DynamicHost;
  urn: string;
  /** The checked inputs, as the engine passes them to create. */
  inputs: Props;
}

export async function startSiteHost(
  domain: string,
  quirks: Partial<Quirks>,
  simulator: Partial<SimulatorOptions> = {},
): Promise<SiteHost> {
  const fixture = await startForgeProviderHost({
    simulator: { quirks, ...simulator },
    register: async () => {
      const { ForgeSite } = await import("../../../../providers/forge-site");
      return new ForgeSite("site", { ...FORGE_SITE_ARGS, domain });
    },
    check: true,
  });
  return { fixture, sim: fixture.sim, host: fixture.host, urn: fixture.urn, inputs: fixture.inputs };
}

/** `METHOD path` of each request since the last `clearRequests`, with its status. */
export function answered(sim: Simulator): string[] {
  return sim.requests.map((request) => `${request.method} ${request.path} ${request.status}`);
}

/** Rejects after `ms` with `message` unless `call` settles first: a wait that would take minutes fails the test fast. */
export async function within<T>(ms: number, message: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
