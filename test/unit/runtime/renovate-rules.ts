/**
 * Which Renovate group a dependency lands in, worked out from renovate.json's packageRules the way Renovate applies
 * them: every rule whose matchers all match is merged in order, so a later rule's `groupName` wins. Patterns follow
 * https://docs.renovatebot.com/string-pattern-matching/ (exact names, `/regex/` and `!` negation; globs other than a
 * bare `*` are refused rather than guessed). A matcher this file does not know makes it throw, so a new kind of rule
 * cannot slip past the tests unexamined.
 */

/** A dependency as Renovate extracts it, with the update being considered. */
export interface RenovateDependency {
  manager: string;
  depName: string;
  packageName: string;
  depType: string;
  datasource: string;
  updateType: "major" | "minor" | "patch";
}

export interface EffectiveRule {
  groupName?: string;
  enabled: boolean;
  dependencyDashboardApproval: boolean;
}

type PackageRule = Record<string, unknown>;

const MATCHERS: Record<string, (dep: RenovateDependency) => string> = {
  matchManagers: (dep) => dep.manager,
  matchDepNames: (dep) => dep.depName,
  matchPackageNames: (dep) => dep.packageName,
  matchDepTypes: (dep) => dep.depType,
  matchDatasources: (dep) => dep.datasource,
  matchUpdateTypes: (dep) => dep.updateType,
};

function matchesPattern(pattern: string, value: string): boolean {
  const regex = /^\/(.*)\/(i?)$/.exec(pattern);
  if (regex) return new RegExp(regex[1], regex[2]).test(value);
  if (pattern === "*") return true;
  if (/[*?{[]/.test(pattern)) throw new Error(`glob pattern \`${pattern}\` is not understood by this check`);
  return pattern === value;
}

/** Renovate's rule for a pattern list: some positive pattern matches (or there is none) and no negated one does. */
export function matchesPatternList(patterns: readonly string[], value: string): boolean {
  const negated = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  const positive = patterns.filter((p) => !p.startsWith("!"));
  return (
    (positive.length === 0 || positive.some((p) => matchesPattern(p, value))) &&
    !negated.some((p) => matchesPattern(p, value))
  );
}

function ruleMatches(rule: PackageRule, dep: RenovateDependency): boolean {
  for (const [key, value] of Object.entries(rule)) {
    if (!key.startsWith("match") && !key.startsWith("exclude")) continue;
    const field = MATCHERS[key];
    if (!field) throw new Error(`packageRules matcher \`${key}\` is not understood by this check`);
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      throw new Error(`packageRules \`${key}\` must be a list of strings`);
    }
    if (!matchesPatternList(value, field(dep))) return false;
  }
  return true;
}

export function effectiveRule(config: { packageRules?: unknown }, dep: RenovateDependency): EffectiveRule {
  const rules = Array.isArray(config.packageRules) ? (config.packageRules as PackageRule[]) : [];
  const result: EffectiveRule = { enabled: true, dependencyDashboardApproval: false };
  for (const rule of rules.filter((r) => ruleMatches(r, dep))) {
    if (typeof rule.groupName === "string") result.groupName = rule.groupName;
    if (typeof rule.enabled === "boolean") result.enabled = rule.enabled;
    if (typeof rule.dependencyDashboardApproval === "boolean") {
      result.dependencyDashboardApproval = rule.dependencyDashboardApproval;
    }
  }
  return result;
}
