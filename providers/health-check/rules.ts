import { isIP } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import type { HealthAuth } from "./probe";
import { containsUnknown, isUnknown } from "../runtime";

/** Pure rules of the HealthCheck resource: input validation and the diff. Neither calls Forge; both run in preview. */

type Failure = pulumi.dynamic.CheckFailure;

export interface HealthWorker {
  /** The worker's Forge background process. */
  processId: number;
  /** Its name, for messages. */
  name: string;
}

export interface HealthCheckInputs {
  serverId: number;
  siteId: number;
  /** Polled until it answers 200. */
  url: string;
  /** The address to connect to for `url`'s host instead of asking DNS; null asks DNS. */
  resolve: string | null;
  /** Basic-auth credentials for `url` (secret). */
  auth: HealthAuth | null;
  /** The deployment this check follows: a new one is checked again. */
  deploymentId: number;
  /** Workers that must run before the app can be healthy; one Supervisor gave up on is restarted. */
  workers: HealthWorker[];
  /** Strings to redact from errors (secret). */
  redactions: string[];
}

export interface HealthCheckOutputs extends Omit<HealthCheckInputs, "auth" | "redactions"> {
  /** The URL's last answer: 200, another status, or null when no answer came. Anything but 200 checks again. */
  status: number | null;
  /** When the URL last answered 200. */
  healthyAt: string | null;
}

function positiveId(value: unknown, property: string, what: string, failures: Failure[]): void {
  if (!isUnknown(value) && !(typeof value === "number" && Number.isSafeInteger(value) && value > 0))
    failures.push({ property, reason: `\`${property}\` must be the positive integer id Forge gave the ${what}` });
}

function checkUrl(value: unknown, failures: Failure[]): void {
  if (isUnknown(value)) return;
  const reason = "`url` must be an http(s) URL such as `https://pr-7.example.dev/up`";
  let url: URL | null = null;
  try {
    url = typeof value === "string" ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:"))
    failures.push({ property: "url", reason });
  // Credentials in the URL would be stored in plain state; `auth` is a secret input.
  else if (url.username !== "" || url.password !== "")
    failures.push({ property: "url", reason: "`url` must not carry credentials; pass them in `auth`" });
}

function checkAuth(value: unknown, failures: Failure[]): void {
  if (value === null || containsUnknown(value)) return;
  const auth = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const { username, password } = auth;
  // The values are secret, so reasons describe them without quoting them.
  if (typeof username !== "string" || username === "" || username.includes(":") || username.length > 255)
    failures.push({
      property: "auth",
      reason: "`auth.username` must be a non-empty string without `:` (at most 255 characters), or `auth` null",
    });
  if (typeof password !== "string" || password === "")
    failures.push({ property: "auth", reason: "`auth.password` must be a non-empty string, or `auth` null" });
}

function checkWorkers(value: unknown, failures: Failure[]): void {
  if (containsUnknown(value)) return;
  const valid =
    Array.isArray(value) &&
    value.every(
      (worker: unknown) =>
        worker !== null &&
        typeof worker === "object" &&
        Number.isSafeInteger((worker as HealthWorker).processId) &&
        (worker as HealthWorker).processId > 0 &&
        typeof (worker as HealthWorker).name === "string",
    );
  if (!valid)
    failures.push({
      property: "workers",
      reason: "`workers` must be a list of `{ processId, name }`, each the Forge background process of a worker",
    });
}

/** Validates raw inputs (possibly holding the preview unknown) into `HealthCheckInputs`, with defaults filled in. */
export function checkHealthCheckInputs(news: Record<string, unknown>): pulumi.dynamic.CheckResult<HealthCheckInputs> {
  const failures: Failure[] = [];
  positiveId(news.serverId, "serverId", "server", failures);
  positiveId(news.siteId, "siteId", "site", failures);
  positiveId(news.deploymentId, "deploymentId", "deployment", failures);
  checkUrl(news.url, failures);
  const auth: unknown = news.auth ?? null;
  checkAuth(auth, failures);
  const resolve: unknown = news.resolve ?? null;
  if (resolve !== null && !isUnknown(resolve) && (typeof resolve !== "string" || isIP(resolve) === 0))
    failures.push({
      property: "resolve",
      reason: "`resolve` must be null (ask DNS) or the IP address to connect to for the URL's host",
    });
  const workers: unknown = news.workers ?? [];
  checkWorkers(workers, failures);
  const redactions: unknown = news.redactions ?? [];
  if (!containsUnknown(redactions) && !(Array.isArray(redactions) && redactions.every((s) => typeof s === "string")))
    failures.push({ property: "redactions", reason: "`redactions` must be a list of strings" });
  const inputs = {
    serverId: news.serverId,
    siteId: news.siteId,
    url: news.url,
    resolve,
    auth,
    deploymentId: news.deploymentId,
    workers,
    redactions,
  } as HealthCheckInputs;
  return { inputs, failures };
}

const COMPARED = ["serverId", "siteId", "url", "resolve", "deploymentId", "workers"] as const;

/**
 * A check is an observation, so nothing replaces it. It runs again when what it checks changed (a new deployment,
 * another worker or URL) or when the last one did not get its 200. `auth` and `redactions` are secret and not kept
 * in the outputs; a changed password reaches the check through the basic-auth rule's replacement, which redeploys
 * nothing but changes nothing here either, so it is used from the next check on.
 */
export function diffHealthCheck(olds: HealthCheckOutputs, news: HealthCheckInputs): pulumi.dynamic.DiffResult {
  const changed = COMPARED.filter(
    (field) => containsUnknown(news[field]) || JSON.stringify(news[field]) !== JSON.stringify(olds[field]),
  );
  return { changes: changed.length > 0 || olds.status !== 200, replaces: [], deleteBeforeReplace: false };
}
