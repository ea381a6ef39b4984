import type { FaultSpec } from "./types";

interface Armed {
  spec: FaultSpec;
  remaining: number;
}

function stripApi(path: string): string {
  return path.startsWith("/api/") ? path.slice(4) : path;
}

function matches(spec: FaultSpec, method: string, path: string, template: string | null): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method.toUpperCase()) return false;
  if (spec.path instanceof RegExp) {
    spec.path.lastIndex = 0;
    return spec.path.test(path);
  }
  const wanted = stripApi(spec.path);
  return wanted.includes("{") ? wanted === template : wanted === path;
}

/**
 * Faults armed by tests. Response faults (status, delay) are taken by the request pipeline;
 * `asyncOutcome` faults are taken by the handler that creates the asynchronous object.
 */
export class Faults {
  private armed: Armed[] = [];

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new Error("Fault `times` must be a positive number (use Infinity for a permanent fault).");
    this.armed.push({ spec, remaining: times });
  }

  private take(method: string, path: string, template: string | null, wantAsync: boolean): FaultSpec | null {
    const found = this.armed.find(
      (armed) => (armed.spec.asyncOutcome !== undefined) === wantAsync && matches(armed.spec, method, path, template),
    );
    if (found === undefined) return null;
    found.remaining -= 1;
    if (found.remaining <= 0) this.armed = this.armed.filter((armed) => armed !== found);
    return found.spec;
  }

  takeResponseFault(method: string, path: string, template: string | null): FaultSpec | null {
    return this.take(method, path, template, false);
  }

  takeAsyncOutcome(method: string, path: string, template: string | null): FaultSpec | null {
    return this.take(method, path, template, true);
  }

  clear(): void {
    this.armed = [];
  }
}
