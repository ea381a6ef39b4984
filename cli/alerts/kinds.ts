/** The alerts forge-previews raises, each with its next step, built in one place so every caller words them alike. */
import type { Alert, AlertKind, Resolution } from "./alert";

export interface PreviewPlace {
  app: string;
  stack: string;
  pr: number;
  /** The app repository's page (https://github.com/acme/customer); null when unknown. */
  repoUrl: string | null;
  runUrl: string | null;
}

function previewWhere(place: PreviewPlace): Array<[string, string]> {
  const pr = place.repoUrl ? `${place.repoUrl}/pull/${place.pr}` : `#${place.pr}`;
  return [
    ["PR", pr],
    ["stack", place.stack],
  ];
}

export type UpFailureKind = Extract<AlertKind, "creation-failed" | "deployment-failed" | "certificate-failed">;

/** A failed `up` is a certificate failure when the failing step is the certificate, whatever else it was. */
export function upFailureKind(step: string, creating: boolean): UpFailureKind {
  if (/certificat|lets-?encrypt|cert\b/i.test(step)) return "certificate-failed";
  return creating ? "creation-failed" : "deployment-failed";
}

const UP_NEXT: Record<UpFailureKind, (p: PreviewPlace) => string> = {
  "creation-failed": (p) =>
    `read the failing step in the run's log (the PR's status comment has an excerpt), fix the cause (server, token, ` +
    `configuration or the app's deploy script), then comment \`/preview\` on the PR again; ` +
    `\`forge-previews destroy --app ${p.app} --pr ${p.pr}\` removes what the failed creation left.`,
  "deployment-failed": () =>
    "read the failing step in the run's log (the PR's status comment has an excerpt); a problem in the PR's code is " +
    "fixed by a push, one of the server, token or configuration by an operator, then `/update` on the PR.",
  "certificate-failed": () =>
    "check that the preview's domain resolves to the server and that Let's Encrypt's weekly limit is not reached " +
    '(README, "Basic auth and certificates"); `certificateMode: clone` with a wildcard certificate avoids both; ' +
    "then `/update` on the PR.",
};

export function upFailedAlert(
  place: PreviewPlace,
  failure: { step: string; excerpt: string },
  kind: UpFailureKind,
): Alert {
  const verb = kind === "creation-failed" ? "could not be created" : "failed to deploy";
  return {
    kind,
    app: place.app,
    subject: place.stack,
    what: `\`${place.stack}\` (PR #${place.pr}) ${verb}: failed at ${failure.step}.`,
    where: previewWhere(place),
    runUrl: place.runUrl,
    next: UP_NEXT[kind](place),
    details: failure.excerpt,
  };
}

/** The end of a preview's failure of `kind`: it deployed. */
export function upSucceededResolution(place: PreviewPlace, kind: AlertKind, url: string | null): Resolution {
  return {
    kind,
    app: place.app,
    subject: place.stack,
    what: `\`${place.stack}\` (PR #${place.pr}) deployed${url ? ` and serves ${url}` : ""}.`,
    runUrl: place.runUrl,
  };
}

export function breakerPausedAlert(input: {
  app: string;
  repository: string;
  until: Date;
  failures: ReadonlyArray<{ environment: string; at: Date }>;
  runUrl: string | null;
}): Alert {
  const clock = (date: Date) => `${date.toISOString().slice(11, 16)} UTC`;
  return {
    kind: "breaker-paused",
    app: input.app,
    subject: input.repository,
    what:
      `\`/preview\`, \`/update\` and pushes of ${input.repository} are paused until ${clock(input.until)} after ` +
      `${input.failures.length} failed deployments in a row (${input.failures.map((f) => `\`${f.environment}\` at ${clock(f.at)}`).join(", ")}).`,
    where: [["repository", input.repository]],
    runUrl: input.runUrl,
    next:
      "find the cause in the failing runs (usually the server, an expired token or the configuration) and fix it; " +
      `deployments resume by themselves at ${clock(input.until)}, and this closes with the next successful one.`,
  };
}

export function breakerResumedResolution(input: {
  app: string;
  repository: string;
  stack: string;
  runUrl: string | null;
}): Resolution {
  return {
    kind: "breaker-paused",
    app: input.app,
    subject: input.repository,
    what: `previews of ${input.repository} deploy again: \`${input.stack}\` succeeded.`,
    runUrl: input.runUrl,
  };
}

/** For the admission check: a server refused (or would refuse) a new preview because it is over a floor. */
export function serverOverFloorAlert(input: {
  /** The Forge server id, or its name in a pool. */
  server: string;
  /** Which floor, in words: `memory used 93% (floor 90%)`, `free disk 4.1 GB (floor 6 GB: master 3 GB × 2)`. */
  floor: string;
  /** The preview that was refused, when there was one. */
  refused?: PreviewPlace;
  runUrl: string | null;
}): Alert {
  return {
    kind: "server-over-floor",
    app: null,
    subject: `server ${input.server}`,
    what:
      `server ${input.server} is over a capacity floor: ${input.floor}` +
      (input.refused ? `; \`${input.refused.stack}\` (PR #${input.refused.pr}) was not created.` : "."),
    where: [["server", input.server], ...(input.refused ? previewWhere(input.refused) : [])],
    runUrl: input.runUrl,
    next:
      "free room on the server (`forge-previews list` shows the previews; `/destroy` the ones no longer needed), grow " +
      "the server or add one to the pool, or lower the floor in the configuration; `forge-previews status` shows the figures.",
  };
}

export function serverWithinFloorsResolution(server: string, runUrl: string | null): Resolution {
  return {
    kind: "server-over-floor",
    app: null,
    subject: `server ${server}`,
    what: `server ${server} is back within its floors.`,
    runUrl,
  };
}

export function sweepFailedAlert(failed: ReadonlyArray<{ stack: string; why: string }>, runUrl: string | null): Alert {
  return {
    kind: "sweep-failed",
    app: null,
    subject: "sweep",
    what: `the sweep could not handle ${failed.length} preview${failed.length === 1 ? "" : "s"}: ${failed.map((f) => `\`${f.stack}\` (${f.why})`).join("; ")}.`,
    where: failed.map((f): [string, string] => ["stack", f.stack]),
    runUrl,
    next:
      "read the run's log; `forge-previews destroy --app <app> --pr <n>` repeats a failed removal, and the next daily " +
      "sweep tries again by itself.",
  };
}

/** The sweep could not even list the previews (the backend, its credentials): nothing was swept. */
export function sweepStoppedAlert(why: string, runUrl: string | null): Alert {
  return {
    kind: "sweep-failed",
    app: null,
    subject: "sweep",
    what: `the sweep stopped before it looked at any preview: ${why}.`,
    where: [],
    runUrl,
    next:
      "check the state backend and its credentials (`PULUMI_BACKEND_URL`, `PULUMI_CONFIG_PASSPHRASE`); " +
      "`forge-previews list` shows the previews once it can read them, and the next daily sweep tries again by itself.",
  };
}

export function sweepSucceededResolution(runUrl: string | null): Resolution {
  return { kind: "sweep-failed", app: null, subject: "sweep", what: "the sweep ran without failures.", runUrl };
}
