import type { HttpMethod } from "./openapi-spec";

export type RouteMatch<R> =
  | { kind: "found"; route: R; template: string; params: Record<string, string> }
  | { kind: "unimplemented"; template: string }
  | { kind: "method-not-allowed"; template: string; allowed: string[] }
  | { kind: "not-found" };

interface Entry<R> {
  template: string;
  segments: string[];
  routes: Map<HttpMethod, R>;
  /** Methods the spec documents for this template, whether or not the simulator implements them. */
  documented: Set<HttpMethod>;
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

function isParam(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

/** True when `a` is more specific than `b`: at the first differing position, a literal beats a parameter. */
function moreSpecific(a: string[], b: string[]): boolean {
  for (let index = 0; index < a.length; index += 1) {
    const aParam = isParam(a[index]);
    const bParam = isParam(b[index]);
    if (aParam !== bParam) return !aParam;
  }
  return false;
}

/** Matches request paths against route templates such as `/orgs/{organization}/servers/{server}`. */
export class Router<R> {
  private readonly entries = new Map<string, Entry<R>>();

  private entry(template: string): Entry<R> {
    let entry = this.entries.get(template);
    if (entry === undefined) {
      entry = { template, segments: split(template), routes: new Map(), documented: new Set() };
      this.entries.set(template, entry);
    }
    return entry;
  }

  add(method: HttpMethod, template: string, route: R): void {
    this.entry(template).routes.set(method, route);
  }

  document(method: HttpMethod, template: string): void {
    this.entry(template).documented.add(method);
  }

  match(method: string, path: string): RouteMatch<R> {
    const segments = split(path);
    let best: { entry: Entry<R>; params: Record<string, string> } | null = null;
    for (const entry of this.entries.values()) {
      if (entry.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matches = entry.segments.every((segment, index) => {
        if (isParam(segment)) {
          params[segment.slice(1, -1)] = decodeURIComponent(segments[index]);
          return true;
        }
        return segment === segments[index];
      });
      if (matches && (best === null || moreSpecific(entry.segments, best.entry.segments))) best = { entry, params };
    }
    if (best === null) return { kind: "not-found" };
    const { entry, params } = best;
    const lower = method.toLowerCase() as HttpMethod;
    const route = entry.routes.get(lower);
    if (route !== undefined) return { kind: "found", route, template: entry.template, params };
    if (entry.documented.has(lower)) return { kind: "unimplemented", template: entry.template };
    const allowed = [...new Set([...entry.routes.keys(), ...entry.documented])]
      .map((name) => name.toUpperCase())
      .sort();
    return { kind: "method-not-allowed", template: entry.template, allowed };
  }
}
