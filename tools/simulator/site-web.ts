import * as crypto from "crypto";
import type { IncomingMessage, ServerResponse } from "http";
import { valuesAt } from "./async-clock";
import type { Services } from "./handlers/context";
import type { SecurityRuleRecord, SiteRecord } from "./types";

/**
 * A simulator-only stand-in for the deployed sites themselves, not part of Forge's API: `GET /__sites/{domain}/{path}`
 * answers the way the site's web server would, so health checks have something to poll. It sits outside `/api`, so
 * it skips the contract check, the token and the rate limit, and it is not recorded in the request log.
 *
 * - 404 when no site has that domain;
 * - 401 with `WWW-Authenticate: Basic` when an installed security rule covers the path and the request lacks one of
 *   its username/password pairs (nginx checks basic auth before PHP runs);
 * - 503 until the site's latest deployment has `finished` (never deployed, queued, deploying, failed);
 * - 200 `{"status":"up"}` on the health path: the path of the site's `healthcheck_endpoint`, else Laravel's `/up`;
 * - 404 on any other path.
 */
export const SITE_WEB_PREFIX = "/__sites/";

const DEFAULT_HEALTH_PATH = "/up";
const MARKER = { "X-Forge-Simulator": "site-web stand-in (not a Forge API route)" };

export function isSiteWebRequest(req: IncomingMessage): boolean {
  return (req.url ?? "").startsWith(SITE_WEB_PREFIX);
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function handleSiteWebRequest(services: Services, req: IncomingMessage, res: ServerResponse): void {
  let answer: Answer;
  try {
    answer = answerSiteWeb(services, req);
  } catch (error) {
    // A malformed percent-escape in the domain is the client's mistake; anything else is the simulator's.
    answer =
      error instanceof URIError
        ? { status: 400, body: { message: "Bad Request" } }
        : { status: 500, body: { message: "Server Error" } };
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...MARKER,
    ...answer.headers,
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  res.end(req.method === "HEAD" ? undefined : text);
}

function answerSiteWeb(services: Services, req: IncomingMessage): Answer {
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, body: { message: "Method Not Allowed" }, headers: { Allow: "GET, HEAD" } };
  }
  const { domain, path } = splitTarget(req.url ?? "");
  const now = services.clock.now();
  if (services.store.sweep(now)) services.store.save();
  const site = findSite(services, domain);
  if (site === undefined) return { status: 404, body: { message: `No site answers for ${domain} on this simulator.` } };

  const rule = coveringRule(services, site, path, now);
  if (rule !== undefined && !hasCredentials(rule, req.headers.authorization)) {
    return {
      status: 401,
      body: { message: "Unauthorized" },
      headers: { "WWW-Authenticate": `Basic realm="${rule.name.replace(/["\\]/g, "")}"` },
    };
  }
  if (latestDeploymentStatus(services, site, now) !== "finished") {
    return { status: 503, body: { message: "Service Unavailable" } };
  }
  if (path === healthPath(site)) return { status: 200, body: { status: "up" } };
  return { status: 404, body: { message: "Not Found" } };
}

/** `/__sites/pr-1.example.dev/up?x=1` → domain `pr-1.example.dev`, path `/up`. */
function splitTarget(url: string): { domain: string; path: string } {
  const pathname = new URL(url, "http://127.0.0.1").pathname.slice(SITE_WEB_PREFIX.length);
  const slash = pathname.indexOf("/");
  const domain = decodeURIComponent(slash === -1 ? pathname : pathname.slice(0, slash)).toLowerCase();
  const path = slash === -1 ? "/" : pathname.slice(slash);
  return { domain, path: path === "" ? "/" : path };
}

function findSite(services: Services, domain: string): SiteRecord | undefined {
  return services.store.data.sites.find((site) => site.name.toLowerCase() === domain);
}

function healthPath(site: SiteRecord): string {
  if (site.healthcheckUrl === null) return DEFAULT_HEALTH_PATH;
  try {
    return new URL(site.healthcheckUrl).pathname;
  } catch {
    return DEFAULT_HEALTH_PATH;
  }
}

/** The first installed rule protecting `path`: a rule without a path protects the whole site. */
function coveringRule(services: Services, site: SiteRecord, path: string, now: number): SecurityRuleRecord | undefined {
  return services.store.data.securityRules.find((rule) => {
    if (rule.siteId !== site.id || valuesAt(rule.lifecycle, now).status !== "installed") return false;
    if (rule.path === null || rule.path === "" || rule.path === "/") return true;
    const prefix = rule.path.startsWith("/") ? rule.path : `/${rule.path}`;
    return path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
  });
}

/** Compares against the stored SHA-256 of each password, in constant time. */
function hasCredentials(rule: SecurityRuleRecord, header: string | undefined): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match === null) return false;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return false;
  const username = decoded.slice(0, colon);
  const given = crypto
    .createHash("sha256")
    .update(decoded.slice(colon + 1))
    .digest();
  return rule.credentials.some((credential) => {
    const stored = Buffer.from(credential.passwordSha256, "hex");
    return credential.username === username && stored.length === given.length && crypto.timingSafeEqual(given, stored);
  });
}

function latestDeploymentStatus(services: Services, site: SiteRecord, now: number): string | null {
  const deployments = services.store.data.deployments.filter((deployment) => deployment.siteId === site.id);
  const latest = deployments[deployments.length - 1];
  return latest === undefined ? null : String(valuesAt(latest.lifecycle, now).status);
}
