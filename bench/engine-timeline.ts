/**
 * When each resource of an `up` started and finished, from the engine's `--json` event lines. The events' own
 * `timestamp` has one-second resolution, so each line is stamped with the time it arrived instead (the CLI writes
 * them as they happen); the critical path is then walked back through the dependencies `stack export` records.
 */

export interface StampedLine {
  /** Epoch milliseconds when the line was read from the CLI's stdout. */
  at: number;
  text: string;
}

export interface ResourceSpan {
  urn: string;
  type: string;
  op: string;
  start: number;
  end: number;
}

export interface StateDependencies {
  urn: string;
  /** Resources whose outputs this one waited for: `dependencies`, plus its parent. */
  dependsOn: string[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function stepMetadata(event: Json, key: string): { op: string; urn: string; type: string } | null {
  const inner = event[key];
  if (!isObject(inner) || !isObject(inner.metadata)) return null;
  const { op, urn, type } = inner.metadata;
  return typeof op === "string" && typeof urn === "string" && typeof type === "string" ? { op, urn, type } : null;
}

/** One span per resource step that started and finished; steps that failed keep no end and are left out. */
export function resourceSpans(lines: readonly StampedLine[]): ResourceSpan[] {
  const started = new Map<string, { at: number; op: string; type: string }>();
  const spans: ResourceSpan[] = [];
  for (const line of lines) {
    if (!line.text.startsWith("{")) continue;
    const event: unknown = JSON.parse(line.text);
    if (!isObject(event)) continue;
    const pre = stepMetadata(event, "resourcePreEvent");
    if (pre && !started.has(pre.urn)) started.set(pre.urn, { at: line.at, op: pre.op, type: pre.type });
    const done = stepMetadata(event, "resOutputsEvent");
    const begun = done ? started.get(done.urn) : undefined;
    if (done && begun) spans.push({ urn: done.urn, type: done.type, op: begun.op, start: begun.at, end: line.at });
  }
  return spans;
}

/** Reads each resource's dependencies out of `pulumi stack export` output. */
export function parseDependencies(exportJson: string): StateDependencies[] {
  const exported: unknown = JSON.parse(exportJson);
  const resources = isObject(exported) && isObject(exported.deployment) ? exported.deployment.resources : undefined;
  if (!Array.isArray(resources)) throw new Error("`pulumi stack export` printed no `deployment.resources`");
  return resources.filter(isObject).map((resource) => {
    const dependencies = Array.isArray(resource.dependencies)
      ? resource.dependencies.filter((d): d is string => typeof d === "string")
      : [];
    const parent = typeof resource.parent === "string" ? [resource.parent] : [];
    return { urn: String(resource.urn), dependsOn: [...dependencies, ...parent] };
  });
}

/**
 * The chain of custom resources that set the wall time: the one that finished last, then, repeatedly, whichever of
 * its dependencies finished last (the one it was still waiting for). Components and the stack only wrap their
 * children, so they are skipped.
 */
export function criticalPath(
  spans: readonly ResourceSpan[],
  dependencies: readonly StateDependencies[],
): ResourceSpan[] {
  const isCustom = (span: ResourceSpan): boolean => span.type.startsWith("pulumi-nodejs:dynamic/");
  const byUrn = new Map(spans.map((span) => [span.urn, span]));
  const dependsOn = new Map(dependencies.map((d) => [d.urn, d.dependsOn]));
  const customDependencies = (urn: string, seen = new Set<string>()): ResourceSpan[] => {
    const found: ResourceSpan[] = [];
    for (const next of dependsOn.get(urn) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      const span = byUrn.get(next);
      // A component's own dependencies are what its children waited for.
      if (span && isCustom(span)) found.push(span);
      else found.push(...customDependencies(next, seen));
    }
    return found;
  };
  const latest = (candidates: ResourceSpan[]): ResourceSpan | undefined =>
    candidates.reduce<ResourceSpan | undefined>(
      (best, span) => (best === undefined || span.end > best.end ? span : best),
      undefined,
    );

  const chain: ResourceSpan[] = [];
  for (
    let current = latest(spans.filter(isCustom));
    current !== undefined;
    current = latest(customDependencies(current.urn))
  ) {
    chain.unshift(current);
  }
  return chain;
}

/** Time to ready against its floor: from the site's start to the health check's end, and the three steps' sum. */
export interface Readiness {
  readyMs: number;
  idealMs: number;
}

/**
 * A preview cannot be ready before its site is installed, its code deployed and its health URL answers; everything
 * else should run beside those. Null when a span is missing (an older program without a HealthCheck).
 */
export function readiness(spans: readonly ResourceSpan[]): Readiness | null {
  const span = (name: string): ResourceSpan | undefined =>
    spans.find((candidate) => candidate.type === `pulumi-nodejs:dynamic/forge:${name}`);
  const [site, deployment, health] = [span("Site"), span("Deployment"), span("HealthCheck")];
  if (site === undefined || deployment === undefined || health === undefined) return null;
  const own = (s: ResourceSpan): number => s.end - s.start;
  return { readyMs: health.end - site.start, idealMs: own(site) + own(deployment) + own(health) };
}
