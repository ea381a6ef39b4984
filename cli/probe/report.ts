/**
 * What a probe run settled, as one finding per open question: the rows of issue #14's table ("issue n") and of
 * ../shared/research/forge-unknowns.md ("unknowns n") each finding answers, whether the run answered it, and how.
 */
import type { Observations, ProbeResult } from "./run";

export interface Finding {
  /** e.g. `issue 1, unknowns 1`. */
  rows: string;
  question: string;
  settled: boolean;
  answer: string;
}

const NOT_REACHED = "not reached: an earlier step failed (see below)";

function list(values: readonly (string | null)[]): string {
  return values.map((value) => (value === null ? "null" : `\`${value}\``)).join(" → ");
}

function tags(found: string[] | null, wanted: string[]): string {
  if (found === null) return "the site was not listed";
  const missing = wanted.filter((tag) => !found.includes(tag));
  return missing.length === 0 ? "all tags present" : `missing ${missing.map((tag) => `\`${tag}\``).join(", ")}`;
}

/** One finding per question, in the issue's order; a question the run did not reach says so. */
export function findings(o: Observations): Finding[] {
  const out: Finding[] = [];
  const add = (rows: string, question: string, answer: string | null): void => {
    out.push({ rows, question, settled: answer !== null, answer: answer ?? NOT_REACHED });
  };
  const notProbed = (rows: string, question: string, why: string): void => {
    out.push({ rows, question, settled: false, answer: `not probed: ${why}` });
  };
  const site = o.site;
  add(
    "issue 1, unknowns 1",
    "does GET answer 404 right after a site's create?",
    site?.read
      ? site.notFoundReads === 0
        ? "no: the first read found the site"
        : `yes: ${site.notFoundReads} read(s) answered 404 before the site showed`
      : null,
  );
  const deployment = o.deployment;
  add(
    "issue 2, unknowns 2",
    "what is a site's status after a failed deployment?",
    deployment === undefined
      ? null
      : deployment.accepted
        ? `deployment went ${list(deployment.statuses)}; the site then reported status \`${deployment.siteStatusAfter}\`, deployment_status ${list([deployment.siteDeploymentStatusAfter])}` +
          `${site ? `; install statuses were ${list(site.statuses)}` : ""}`
        : `a deployment of a site without a repository was refused (${deployment.refusal.status}: ${deployment.refusal.message})`,
  );
  add(
    "issue 3, unknowns 3",
    "in which form does a site report `php_version`, and is `quick_deploy` null?",
    site && site.statuses.includes("installed")
      ? `sent \`${site.phpVersionSent}\`, reported ${list([site.phpVersionReported])}; quick_deploy ${site.quickDeploy === null ? "null" : String(site.quickDeploy)} (created with push_to_deploy false)`
      : null,
  );
  add(
    "unknowns 4",
    "which required site attributes are null on a fresh site?",
    site?.read
      ? site.nullAttributes.length === 0
        ? "none"
        : site.nullAttributes.map((key) => `\`${key}\``).join(", ")
      : null,
  );
  add(
    "issue 4, unknowns 7",
    "are tags applied at create?",
    site?.read
      ? `first read: ${tags(site.tagsAtFirstRead, o.names.tags)}; after install: ${site.statuses.includes("installed") ? tags(site.tagsAfterInstall, o.names.tags) : "not installed"}`
      : null,
  );
  const bodies: string[] = [];
  if (site) bodies.push(`site ${site.createBodyEmpty ? "empty" : "a body"}`);
  if (o.backgroundProcess?.accepted)
    bodies.push(`background process ${o.backgroundProcess.createBodyEmpty ? "empty" : "a body"}`);
  if (deployment?.accepted) bodies.push(`deployment ${deployment.createBodyEmpty ? "empty" : "a body"}`);
  if (o.securityRule) bodies.push(`security rule ${o.securityRule.createBodyEmpty ? "empty" : "a body"}`);
  if (o.certificate?.result.accepted)
    bodies.push(`certificate ${o.certificate.result.createBodyEmpty ? "empty" : "a body"}`);
  add(
    "issue 5, unknowns 21",
    "which creates answer 202 with an empty body?",
    bodies.length > 0 ? bodies.join("; ") : null,
  );
  const rule = o.securityRule;
  add(
    "issue 6, unknowns 20",
    "is a security rule's status null?",
    rule ? `statuses ${list(rule.statuses)}; ${rule.listed ? "listed" : "not listed"} in the site's rules` : null,
  );
  const certificate = o.certificate;
  const certificateAnswer = ((): string | null => {
    if (certificate === undefined) return null;
    const before = `the domain record was ${list([certificate.domainStatusBefore])} before the request`;
    const result = certificate.result;
    if (!result.accepted)
      return `${before}; the request was refused (${result.refusal.status}: ${result.refusal.message})`;
    return `${before}; the certificate went ${list(result.statuses)} (request ${list(result.requestStatuses)})${result.settled ? "" : ", still unsettled when the probe stopped waiting"}`;
  })();
  add("issue 7, unknowns 17", "must a custom domain be verified before Let's Encrypt?", certificateAnswer);
  notProbed(
    "issue 8, unknowns 18",
    "which type does a clone certificate report?",
    "a clone needs a wildcard certificate on the server; run a preview with `certificateMode: clone` and read the certificate's `type`",
  );
  add(
    "issue 9",
    "does a whole-site basic auth rule block Let's Encrypt's http-01 challenge?",
    certificate?.result.accepted && rule
      ? certificate.result.settled
        ? certificate.result.statuses.includes("failed")
          ? "probably yes: the certificate failed with the rule in place (or the domain does not resolve to this server: check its DNS before reading it so)"
          : "no: the certificate was issued with the rule in place"
        : "not settled: the certificate neither installed nor failed in time"
      : certificateAnswer === null
        ? null
        : "not settled: no certificate was requested",
  );
  const process = o.backgroundProcess;
  add(
    "unknowns 13, 14",
    "does Forge take the isolated user as a background process's `user`, and what status does it report?",
    process === undefined
      ? null
      : process.accepted
        ? `accepted; reported user ${list([process.user])}, statuses ${list(process.statuses)}`
        : `refused (${process.refusal.status}: ${process.refusal.message})`,
  );
  const environment = o.environment;
  add(
    "unknowns 10",
    "what `.env` does a site without `.env.example` get?",
    environment === undefined
      ? null
      : environment.empty
        ? "an empty file"
        : `${environment.names.length} variables (${environment.names.join(", ")}); APP_KEY ${environment.appKeySet ? "set" : "empty"}`,
  );
  notProbed(
    "issue 13",
    "does push-to-deploy redeploy a pinned commit?",
    `needs a push to a repository; the probe's site, created with push_to_deploy false, reported quick_deploy ${site?.quickDeploy == null ? "null" : String(site.quickDeploy)}`,
  );
  const reuse = o.isolatedUserReuse;
  add(
    "issue 14, unknowns 8",
    "may a new site reuse the isolated user of a deleted one?",
    reuse === undefined
      ? null
      : reuse.accepted
        ? `accepted; the new site went ${list(reuse.statuses)} as user ${list([reuse.user])}`
        : `refused (${reuse.refusal.status}: ${reuse.refusal.message})`,
  );
  return out;
}

/** The report as printed: one block per finding, then the failure and what could not be removed. */
export function formatReport(result: ProbeResult, fixtureDir: string, calls: number): string {
  const lines: string[] = [];
  for (const finding of findings(result.observations)) {
    lines.push(`${finding.settled ? "settled" : "open   "}  ${finding.rows}: ${finding.question}`);
    lines.push(`         ${finding.answer}`);
  }
  lines.push("");
  lines.push(`${calls} Forge calls; responses (redacted) in ${fixtureDir}`);
  if (result.failure !== null)
    lines.push(`stopped early in step \`${result.failure.step}\`: ${result.failure.message}`);
  lines.push(`removed: ${result.removed.length === 0 ? "nothing" : result.removed.join(", ")}`);
  for (const left of result.leftovers)
    lines.push(
      `NOT REMOVED: ${left.kind} ${left.id ?? "(id unknown)"} (${left.label}): ${left.error}; delete it in Forge`,
    );
  return lines.join("\n");
}
