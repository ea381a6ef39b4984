/**
 * Pure rules of LetsEncryptCert: input validation, the replacement plan, which existing certificate may be adopted,
 * and what a certificate's state means for the wait.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Certificate } from "../forge";
import { isUnknown } from "../runtime";

export const CERTIFICATE_MODES = ["letsencrypt", "clone"] as const;
export type CertificateMode = (typeof CERTIFICATE_MODES)[number];

export interface LetsEncryptCertInputs {
  serverId: number;
  siteId: number;
  /** The site's primary domain, e.g. `pr-12.preview.example.com`. */
  domain: string;
  /** `letsencrypt` requests a certificate; `clone` copies one already on the server (a wildcard, say). */
  mode: CertificateMode;
  /** The certificate to copy in `clone` mode; null in `letsencrypt` mode. */
  cloneCertificateId: number | null;
}

export const CERT_FIELDS = ["serverId", "siteId", "domain", "mode", "cloneCertificateId"] as const;

/** Fields that decide which domain record and which kind of certificate the resource is. */
const TARGET_FIELDS = ["serverId", "siteId", "domain", "mode"] as const;

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** Normalized inputs (a missing `cloneCertificateId` becomes null) and every problem with them. */
export function checkCertInputs(news: Record<string, unknown>): {
  inputs: LetsEncryptCertInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const inputs = Object.fromEntries(CERT_FIELDS.map((field) => [field, news[field] ?? null]));
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason });
  };
  for (const field of ["serverId", "siteId"] as const) {
    if (!isUnknown(inputs[field]) && !isPositiveInteger(inputs[field]))
      fail(field, `\`${field}\` must be a positive whole number`);
  }
  const { domain, mode, cloneCertificateId } = inputs;
  if (!isUnknown(domain) && (typeof domain !== "string" || !HOSTNAME.test(domain))) {
    fail(
      "domain",
      "`domain` must be a lower-case host name such as `pr-12.preview.example.com` (no wildcard: http-01 cannot " +
        'verify one; use `mode: "clone"` with a wildcard certificate instead)',
    );
  }
  if (!isUnknown(mode) && !CERTIFICATE_MODES.includes(mode as CertificateMode)) {
    fail("mode", "`mode` must be `letsencrypt` (request a certificate) or `clone` (copy `cloneCertificateId`)");
  }
  if (!isUnknown(cloneCertificateId) && !isUnknown(mode)) {
    if (mode === "clone" && !isPositiveInteger(cloneCertificateId)) {
      fail(
        "cloneCertificateId",
        "`cloneCertificateId` must be the id of the certificate to copy when `mode` is `clone`",
      );
    }
    if (mode === "letsencrypt" && cloneCertificateId !== null) {
      fail("cloneCertificateId", '`cloneCertificateId` is only used with `mode: "clone"`; set it to null');
    }
  }
  return { inputs: inputs as unknown as LetsEncryptCertInputs, failures };
}

export interface CertPlan {
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/**
 * Every change replaces the certificate. A domain record can hold several certificates and serves one, so by default
 * the new certificate is requested (and enabled) first and the old one deleted afterwards, keeping HTTPS up. When the
 * new one would be the same kind on the same domain record (only `cloneCertificateId` changed, or the old one
 * failed), the old one goes first: create would otherwise adopt the very certificate the replacement is about to
 * delete.
 */
export function planCertReplacement(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  oldStatus: string | null,
): CertPlan {
  const replaces: string[] = CERT_FIELDS.filter((field) => isUnknown(news[field]) || news[field] !== olds[field]);
  if (oldStatus !== null && isFailedStatus(oldStatus)) replaces.push("status");
  const targetSurelyChanges = TARGET_FIELDS.some((field) => !isUnknown(news[field]) && news[field] !== olds[field]);
  return { replaces, deleteBeforeReplace: replaces.length > 0 && !targetSurelyChanges };
}

/**
 * Whether a certificate on the site's own domain record is of the kind `mode` makes. A Let's Encrypt request of this
 * resource reports `letsencrypt`, verified by `http-01`. The response enum has no `clone`, so what a clone reports is
 * Forge's choice: `existing`, or the type of the certificate it copied. The usual source is a wildcard, which only
 * `dns-01` can verify, so a clone is an `existing` certificate or a `letsencrypt` one not verified by `http-01`; that
 * keeps the certificate of an earlier `letsencrypt` mode, still serving during a switch to clone, from being taken.
 */
export function isOfMode(
  certificate: Pick<Certificate, "type" | "verificationMethod">,
  mode: CertificateMode,
): boolean {
  const ownLetsEncrypt = certificate.type === "letsencrypt" && certificate.verificationMethod === "http-01";
  if (mode === "letsencrypt") return certificate.type === "letsencrypt";
  return certificate.type === "existing" || (certificate.type === "letsencrypt" && !ownLetsEncrypt);
}

export function isFailedStatus(status: string): boolean {
  return status === "failed" || status.startsWith("failed-");
}

/** A certificate this resource may take over: the right kind, and serving or on its way to serving. */
export function isAdoptable(certificate: Certificate, mode: CertificateMode): boolean {
  if (!isOfMode(certificate, mode) || isFailedStatus(certificate.status)) return false;
  return certificate.active || certificate.status === "installing";
}

/** Let's Encrypt's duplicate-certificate limit: this many certificates for one set of names in any 7 days. */
export const DUPLICATE_LIMIT = 5;
export const DUPLICATE_WINDOW_MS = 7 * 24 * 60 * 60_000;

/**
 * Why a Let's Encrypt request for `domain` would be refused, given when it was issued before (epoch ms, oldest first),
 * or null when it may go ahead.
 */
export function duplicateLimitRefusal(domain: string, issuedAt: readonly number[], now: number): string | null {
  const recent = issuedAt.filter((at) => at > now - DUPLICATE_WINDOW_MS).sort((a, b) => a - b);
  if (recent.length < DUPLICATE_LIMIT) return null;
  const freeAt = new Date(recent[recent.length - DUPLICATE_LIMIT]! + DUPLICATE_WINDOW_MS).toISOString();
  return (
    `Let's Encrypt has issued ${recent.length} certificates for \`${domain}\` in the last 7 days, and it issues at ` +
    `most ${DUPLICATE_LIMIT} for one name a week, so no certificate was requested (the next one can be issued after ` +
    `${freeAt}). Copy a wildcard certificate instead: set the config key \`certificateMode\` to \`clone\` and ` +
    "`wildcardCertificateId` to the id of a wildcard certificate on the server (`pulumi config set certificateMode " +
    "clone`), or keep this preview instead of destroying and re-creating it."
  );
}

export type CertProgress =
  | { kind: "ready" }
  | { kind: "failed"; status: string }
  /** Installed but not serving: it needs Forge's `enable` action. */
  | { kind: "needs-enable" }
  | { kind: "pending"; status: string };

export function assessCertificate(certificate: Certificate): CertProgress {
  if (isFailedStatus(certificate.status)) return { kind: "failed", status: certificate.status };
  if (certificate.status === "installed") return certificate.active ? { kind: "ready" } : { kind: "needs-enable" };
  return { kind: "pending", status: certificate.status };
}
