import { removeWith, settleWith } from "../agent";
import { extend, initialValues, timeline, valuesAt } from "../async-clock";
import { fieldError, notFound, validationError } from "../errors";
import { document, type JsonApiResource } from "../json-api";
import type { CertificateRecord, SiteRecord } from "../types";
import { SITE, getRoute, siteResource, beginRemoval, need, touch } from "./context";
import type { RequestContext, RouteDefinition } from "./context";
import { domainStatus } from "./domains";
import { stringField } from "./site-rules";

const DOMAIN = `${SITE}/domains/{domainRecord}`;
const TYPES = ["letsencrypt", "csr", "existing", "clone"];
const PREFERRED_CHAIN = "ISRG Root X1";
const WEEK_MS = 7 * 24 * 60 * 60_000;

/** Whether a whole-site basic-auth rule (no path) is on the site or on its way: it also covers the ACME path. */
export function hasWholeSiteRule(ctx: RequestContext, site: SiteRecord): boolean {
  return ctx.services.store.data.securityRules.some(
    (rule) => rule.siteId === site.id && rule.path === null && rule.lifecycle.goneAt === null,
  );
}

/**
 * Why Let's Encrypt would refuse to issue for `names` now, under the quirks: an http-01 challenge path behind basic
 * auth, or the duplicate limit for the name set spent. null when it would issue.
 */
function letsEncryptRefusal(ctx: RequestContext, site: SiteRecord, names: string, method: string): string | null {
  const { quirks, store } = ctx.services;
  if (method === "http-01" && quirks.acmeBlockedByBasicAuth && hasWholeSiteRule(ctx, site))
    return "challenge-unauthorized";
  const limit = quirks.letsEncryptDuplicateLimit;
  const recent = (store.data.letsEncryptIssuances ?? []).filter(
    (issuance) => issuance.names === names && issuance.at > ctx.now - WEEK_MS,
  );
  return limit !== null && recent.length >= limit ? "duplicate-limit" : null;
}

/**
 * Fails the site's Let's Encrypt http-01 certificates still being verified (a whole-site rule just arrived, quirk
 * `acmeBlockedByBasicAuth`), and forgets the issuances they would have made.
 */
export function failPendingHttpChallenges(ctx: RequestContext, site: SiteRecord): void {
  const { data } = ctx.services.store;
  for (const certificate of data.certificates) {
    const pending = valuesAt(certificate.lifecycle, ctx.now).status === "installing";
    if (certificate.siteId !== site.id || certificate.type !== "letsencrypt" || !pending) continue;
    if (certificate.verificationMethod !== "http-01") continue;
    extend(certificate.lifecycle, ctx.now, { status: "failed", active: false });
    data.letsEncryptIssuances = (data.letsEncryptIssuances ?? []).filter(
      (issuance) => issuance.certificateId !== certificate.id,
    );
  }
}

export function presentCertificate(
  ctx: RequestContext,
  certificate: CertificateRecord,
  initial = false,
): JsonApiResource {
  const values = initial ? initialValues(certificate.lifecycle) : valuesAt(certificate.lifecycle, ctx.now);
  return siteResource(
    ctx,
    "certificates",
    certificate,
    `domains/${certificate.domainId}/certificates/${certificate.id}`,
    {
      // A clone copies another certificate; the resource reports the kind of certificate it is.
      type: certificate.type === "clone" ? (ctx.services.quirks.cloneCertificateType ?? "existing") : certificate.type,
      verification_method: certificate.verificationMethod,
      key_type: certificate.keyType,
      preferred_chain: certificate.preferredChain,
      request_status: values.request_status,
      status: values.status,
      active: values.active,
    },
  );
}

function certificatesOf(ctx: RequestContext): CertificateRecord[] {
  const domain = need(ctx.found.domainRecord, "domainRecord");
  return ctx.services.store.data.certificates.filter((certificate) => certificate.domainId === domain.id);
}

function activeCertificate(ctx: RequestContext): CertificateRecord {
  const active = certificatesOf(ctx).find((certificate) => valuesAt(certificate.lifecycle, ctx.now).active === true);
  if (active === undefined) throw notFound("an active certificate on this domain");
  return active;
}

function createCertificate(ctx: RequestContext): { status: number; body: unknown } {
  const site = need(ctx.found.site, "site");
  const domain = need(ctx.found.domainRecord, "domainRecord");
  const { body, now, services } = ctx;
  const type = stringField(body, "type");
  if (type === null || !TYPES.includes(type))
    throw fieldError("type", `The selected type is invalid; Forge allows: ${TYPES.join(", ")}.`);
  if (valuesAt(site.lifecycle, now).status !== "installed") {
    throw validationError({ domain: ["The site must finish installing before a certificate can be requested."] });
  }
  if (domainStatus(ctx, domain) === "pending") {
    throw validationError({ domain: ["The domain must be verified before a certificate can be requested."] });
  }
  const letsencrypt =
    typeof body.letsencrypt === "object" && body.letsencrypt !== null
      ? (body.letsencrypt as Record<string, unknown>)
      : {};
  const injectedFailure =
    services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const verificationMethod = stringField(letsencrypt, "verification_method") ?? "http-01";
  const refusal = type === "letsencrypt" ? letsEncryptRefusal(ctx, site, domain.name, verificationMethod) : null;
  const failed = injectedFailure || refusal !== null;
  const enable = body.enable === true;
  // A clone that reports its source's type (the quirk) also reports how the source was verified and its key.
  const clone = typeof body.clone === "object" && body.clone !== null ? (body.clone as Record<string, unknown>) : {};
  const cloned =
    type === "clone" && services.quirks.cloneCertificateType === "letsencrypt"
      ? services.store.data.certificates.find((item) => item.id === clone.certificate_id && item.type === "letsencrypt")
      : undefined;
  const half = Math.round(services.clock.duration("certificate") / 2);
  const certificate: CertificateRecord = {
    id: services.store.nextId(),
    siteId: site.id,
    domainId: domain.id,
    type,
    verificationMethod: type === "letsencrypt" ? verificationMethod : (cloned?.verificationMethod ?? null),
    keyType: type === "letsencrypt" ? (stringField(letsencrypt, "key_type") ?? "ecdsa") : (cloned?.keyType ?? null),
    // The spec pins `preferred_chain` to this constant for every certificate (it is not nullable in practice).
    preferredChain: stringField(letsencrypt, "preferred_chain") ?? PREFERRED_CHAIN,
    createdAt: now,
    updatedAt: now,
    lifecycle: failed
      ? timeline(now, { request_status: "verifying", status: "installing", active: false }, [
          half,
          { status: "failed" },
        ])
      : timeline(
          now,
          { request_status: "verifying", status: "installing", active: false },
          [half, { request_status: "creating" }],
          [half, { request_status: "created", status: "installed", active: enable }],
        ),
  };
  if (enable && !failed) {
    // Enabling the new certificate deactivates the domain's current one once the new one is live.
    for (const other of ctx.services.store.data.certificates.filter((item) => item.domainId === domain.id)) {
      extend(other.lifecycle, now + 2 * half, { active: false });
    }
  }
  services.store.data.certificates.push(certificate);
  if (type === "letsencrypt" && !failed) {
    const issuances = (services.store.data.letsEncryptIssuances ??= []);
    issuances.push({ names: domain.name, at: now + 2 * half, certificateId: certificate.id });
  }
  const work = failed || type !== "letsencrypt" ? null : services.agent.certificateRequested(site, certificate, enable);
  if (work !== null) {
    const issued = { request_status: "created", status: "installed", active: enable };
    settleWith(services.settling, certificate.lifecycle, work, () => issued, { status: "failed" });
  }
  extend(domain.lifecycle, now, { status: "securing" }, [2 * half, { status: "enabled" }]);
  return { status: 202, body: document(presentCertificate(ctx, certificate, true)) };
}

function certificateAction(ctx: RequestContext): { status: number } {
  const certificate = need(ctx.found.certificate, "certificate");
  const { now, services } = ctx;
  const action = stringField(ctx.body, "action");
  if (action !== "enable" && action !== "disable")
    throw fieldError("action", "The selected action is invalid; Forge allows: enable, disable.");
  if (valuesAt(certificate.lifecycle, now).status !== "installed") {
    throw fieldError("action", "The certificate must be installed before it can be enabled or disabled.");
  }
  const delay = services.clock.duration("certificateAction");
  if (action === "enable") {
    for (const other of certificatesOf(ctx).filter((item) => item !== certificate))
      extend(other.lifecycle, now + delay, { active: false });
  }
  extend(certificate.lifecycle, now, { status: action === "enable" ? "enabling" : "disabling" }, [
    delay,
    { status: "installed", active: action === "enable" },
  ]);
  touch(certificate, now);
  return { status: 202 };
}

function deleteCertificate(ctx: RequestContext): { status: number } {
  const certificate = need(ctx.found.certificate, "certificate");
  if (certificate.lifecycle.goneAt === null) {
    beginRemoval(ctx, certificate.lifecycle, { active: false });
    const work = ctx.services.agent.certificateRemoved(need(ctx.found.site, "site"), certificate);
    if (work !== null) removeWith(ctx.services.settling, certificate.lifecycle, work);
  }
  return { status: 202 };
}

export const certificateRoutes: RouteDefinition[] = [
  {
    method: "get",
    template: `${DOMAIN}/certificates`,
    scope: "site:meta",
    handler: (ctx) => ({
      status: 200,
      body: { data: certificatesOf(ctx).map((certificate) => presentCertificate(ctx, certificate)) },
    }),
  },
  { method: "post", template: `${DOMAIN}/certificates`, scope: "site:manage-ssl", handler: createCertificate },
  getRoute(`${DOMAIN}/certificate`, "site:meta", (ctx) => presentCertificate(ctx, activeCertificate(ctx))),
  getRoute(`${DOMAIN}/certificates/active`, "site:meta", (ctx) => presentCertificate(ctx, activeCertificate(ctx))),
  getRoute(`${DOMAIN}/certificates/{certificate}`, "site:meta", (ctx) =>
    presentCertificate(ctx, need(ctx.found.certificate, "certificate")),
  ),
  {
    method: "delete",
    template: `${DOMAIN}/certificates/{certificate}`,
    scope: "site:manage-ssl",
    handler: deleteCertificate,
  },
  {
    method: "post",
    template: `${DOMAIN}/certificates/{certificate}/actions`,
    scope: "site:meta",
    handler: certificateAction,
  },
];
