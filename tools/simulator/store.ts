import * as fs from "fs";
import * as path from "path";
import { isGone } from "./async-clock";
import type { Lifecycle, ServerRecord, StoreData } from "./types";

/** Collections holding objects with a lifecycle, swept when their removal completes. */
const LIVING = [
  "sites",
  "domains",
  "certificates",
  "databases",
  "databaseUsers",
  "backgroundProcesses",
  "securityRules",
  "deployments",
  "commands",
] as const;

export type LivingCollection = (typeof LIVING)[number];

function emptyData(servers: ServerRecord[]): StoreData {
  return {
    version: 1,
    // Ids come from one counter for every kind, so a client that mixes up two kinds of id gets a 404.
    nextId: 1001,
    servers,
    sites: [],
    domains: [],
    certificates: [],
    databases: [],
    databaseUsers: [],
    backgroundProcesses: [],
    securityRules: [],
    deployments: [],
    commands: [],
    environments: {},
    leftoverUsers: [],
  };
}

function isStoreData(value: unknown): value is StoreData {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return record.version === 1 && typeof record.nextId === "number" && LIVING.every((key) => Array.isArray(record[key]));
}

/** In-memory state, optionally mirrored to a JSON file after every change. */
export class Store {
  data: StoreData;

  constructor(
    private readonly servers: ServerRecord[],
    private readonly statePath: string | null,
  ) {
    this.data = this.load() ?? emptyData(structuredClone(servers));
  }

  private load(): StoreData | null {
    if (this.statePath === null || !fs.existsSync(this.statePath)) return null;
    const parsed: unknown = JSON.parse(fs.readFileSync(this.statePath, "utf8"));
    if (!isStoreData(parsed)) {
      throw new Error(
        `Simulator state file ${this.statePath} is not a state file this simulator wrote; move it away or pass another \`statePath\`.`,
      );
    }
    // Servers come from the options, so a restart with other servers takes effect.
    parsed.servers = structuredClone(this.servers);
    // State files written before the quirk existed have no left-over users.
    const leftovers: unknown = Reflect.get(parsed, "leftoverUsers");
    parsed.leftoverUsers = Array.isArray(leftovers) ? (leftovers as StoreData["leftoverUsers"]) : [];
    return parsed;
  }

  nextId(): number {
    const id = this.data.nextId;
    this.data.nextId += 1;
    return id;
  }

  /** Drops objects whose removal has completed; returns whether anything changed. */
  sweep(now: number): boolean {
    let changed = false;
    for (const key of LIVING) {
      const list = this.data[key] as Array<{ id: number; lifecycle: Lifecycle; siteId?: number }>;
      const kept = list.filter((item) => !isGone(item.lifecycle, now));
      if (kept.length !== list.length) {
        changed = true;
        (this.data[key] as unknown[]) = kept;
      }
    }
    if (changed) {
      const siteIds = new Set(this.data.sites.map((site) => String(site.id)));
      for (const siteId of Object.keys(this.data.environments)) {
        if (!siteIds.has(siteId)) delete this.data.environments[siteId];
      }
    }
    return changed;
  }

  save(): void {
    if (this.statePath === null) return;
    fs.mkdirSync(path.dirname(this.statePath), { recursive: true });
    const temporary = `${this.statePath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.data, null, 2));
    fs.renameSync(temporary, this.statePath);
  }

  reset(): void {
    this.data = emptyData(structuredClone(this.servers));
    if (this.statePath !== null) fs.rmSync(this.statePath, { force: true });
  }
}
