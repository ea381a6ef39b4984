/**
 * The Forge side of LetsEncryptCert. Certificates hang off a site's domain record, so every call is addressed by
 * server, site and domain record; Forge answers 404 for a certificate that is not on that record, which is what keeps
 * reads and deletes to this site's certificates.
 */
import { NEXT_UP, RUN_UP_AGAIN, upperFirst } from "../common/cli-hints";
import {
  type Certificate,
  type CreateCertificateRequest,
  type DomainRecord,
  type ForgeClient,
  ForgeWaitTimeoutError,
  isForgeNotFound,
  decodeDocument,
  toCertificate,
  waitDone,
  waitFor,
  waitPending,
} from "../forge";
import { pollPacing, deleteAndWaitGone } from "../runtime";
import { type CertificateMode, assessCertificate } from "./rules";
import { UserError } from "../common/user-error";

export interface DomainLocation {
  serverId: number;
  siteId: number;
  domainRecordId: number;
  domain: string;
}

export interface ObservedCertificate extends Certificate {
  /** Forge's new API does not describe an expiry date; it is read when a response carries `expires_at`. */
  expiresAt: string | null;
}

/** Let's Encrypt issues within minutes; past this something is wrong with DNS or the site. */
const ISSUE_TIMEOUT_MS = 5 * 60_000;
/** Forge verifies a custom domain's DNS within minutes of it resolving; past this DNS does not point at the server. */
const VERIFY_TIMEOUT_MS = 10 * 60_000;
/** Domain record states on the way to `enabled`; any other (`disabled`, `removing`…) will not get there alone. */
const VERIFYING_STATUSES = new Set(["pending", "connecting", "securing", "updating", "enabling"]);
const REMOVE_TIMEOUT_MS = 3 * 60_000;

/** A certificate did not become usable; `status` is the state Forge reported. */
export class CertificateFailedError extends UserError {
  override readonly name = "CertificateFailedError";

  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

/** The site's primary domain record for `domain`, compared exactly (Forge filters match loosely). */
export async function findPrimaryDomain(
  client: ForgeClient,
  serverId: number,
  siteId: number,
  domain: string,
): Promise<DomainRecord> {
  const primaries = await client.domains.list(serverId, siteId, { type: "primary" }).all();
  const record = primaries.find((candidate) => candidate.type === "primary" && candidate.name === domain);
  if (record !== undefined) return record;
  const actual = primaries.find((candidate) => candidate.type === "primary");
  throw new UserError(
    actual === undefined
      ? `Site ${siteId} on server ${serverId} has no primary domain record yet; a certificate can only be requested ` +
          `once the site has finished installing. When it has, ${RUN_UP_AGAIN}.`
      : `Site ${siteId} on server ${serverId} has the primary domain \`${actual.name}\`, not \`${domain}\`; pass the ` +
          "site's own domain as `domain`.",
  );
}

/**
 * Waits until Forge has verified the domain (its record reads `enabled`): Forge may refuse or never finish a
 * certificate for a custom domain whose DNS it has not verified. Bounded; the error names the domain and what to
 * check in DNS.
 */
export async function waitForVerifiedDomain(
  client: ForgeClient,
  where: DomainLocation,
  listedStatus: string,
): Promise<void> {
  if (listedStatus === "enabled") return;
  const dnsAdvice =
    `Check that DNS for \`${where.domain}\` (or a wildcard record above it) points at server ${where.serverId}'s ` +
    `IP address; Forge lists the records it expects under the site's domain, \`GET /api/orgs/{org}/servers/` +
    `${where.serverId}/sites/${where.siteId}/domains/${where.domainRecordId}/configurations\`.`;
  try {
    await client.waitFor(
      async () => {
        const { status } = await client.domains.get(where.serverId, where.siteId, where.domainRecordId);
        if (status === "enabled") return waitDone(undefined);
        if (!VERIFYING_STATUSES.has(status)) {
          throw new UserError(
            `Domain \`${where.domain}\` of site ${where.siteId} is \`${status}\` in Forge, so no certificate can be ` +
              `requested for it. ${dnsAdvice} Enable the domain in Forge, then ${RUN_UP_AGAIN}.`,
          );
        }
        return waitPending(status);
      },
      { what: `domain \`${where.domain}\` to be verified`, timeoutMs: VERIFY_TIMEOUT_MS, ...pollPacing() },
    );
  } catch (error) {
    if (!(error instanceof ForgeWaitTimeoutError)) throw error;
    throw new UserError(
      `Forge has not verified domain \`${where.domain}\` of site ${where.siteId} after ` +
        `${VERIFY_TIMEOUT_MS / 60_000} minutes (still \`${error.lastStatus ?? "unknown"}\`), so no certificate was ` +
        `requested. ${dnsAdvice} When it resolves, ${RUN_UP_AGAIN}.`,
    );
  }
}

export async function fetchCertificate(
  client: ForgeClient,
  where: DomainLocation,
  certificateId: number,
): Promise<ObservedCertificate> {
  const body = await client.send({
    operation: "organizations.servers.sites.domains.certificates.show",
    params: {
      server: where.serverId,
      site: where.siteId,
      domainRecord: where.domainRecordId,
      certificate: certificateId,
    },
  });
  const resource = decodeDocument(body, "certificates");
  return { ...toCertificate(resource), expiresAt: resource.attributes.optionalString("expires_at") };
}

/** Asks Forge for the certificate (202) and enables it as soon as it is installed. */
export async function requestCertificate(
  client: ForgeClient,
  where: DomainLocation,
  mode: CertificateMode,
  cloneCertificateId: number | null,
): Promise<Certificate> {
  if (mode === "letsencrypt") {
    // `preferred_chain` is left to Forge: the spec pins it to its only value, ISRG Root X1.
    return client.certificates.createLetsEncrypt(where.serverId, where.siteId, where.domainRecordId, {
      enable: true,
      verificationMethod: "http-01",
      keyType: "ecdsa",
    });
  }
  if (cloneCertificateId === null) {
    throw new UserError("`cloneCertificateId` must be set when `mode` is `clone`");
  }
  const request: CreateCertificateRequest = {
    type: "clone",
    enable: true,
    clone: { certificate_id: cloneCertificateId },
  };
  const body = await client.send({
    operation: "organizations.servers.sites.domains.certificates.store",
    params: { server: where.serverId, site: where.siteId, domainRecord: where.domainRecordId },
    body: request,
  });
  return toCertificate(decodeDocument(body, "certificates"));
}

/**
 * Waits until the certificate is installed and serving. One that is installed but inactive gets Forge's `enable`
 * action once; a `failed` status ends the wait with an error naming the domain and the status.
 */
export async function waitUntilServing(
  client: ForgeClient,
  where: DomainLocation,
  certificateId: number,
): Promise<ObservedCertificate> {
  let enableSent = false;
  return waitFor(
    async () => {
      let certificate: ObservedCertificate;
      try {
        certificate = await fetchCertificate(client, where, certificateId);
      } catch (error) {
        if (!isForgeNotFound(error)) throw error;
        throw new CertificateFailedError(
          `Certificate ${certificateId} for \`${where.domain}\` disappeared before it was installed; Forge removes a ` +
            `certificate whose request it gave up on. To request another, ${RUN_UP_AGAIN}.`,
          "missing",
        );
      }
      const progress = assessCertificate(certificate);
      if (progress.kind === "ready") return waitDone(certificate);
      if (progress.kind === "failed") {
        throw new CertificateFailedError(
          `Certificate ${certificateId} for \`${where.domain}\` ended with status \`${progress.status}\`. For Let's ` +
            `Encrypt, check that DNS for ${where.domain} points at the server and that port 80 answers; a clone needs ` +
            `a source certificate that covers the domain. ${upperFirst(NEXT_UP)} replaces it.`,
          progress.status,
        );
      }
      if (progress.kind === "needs-enable") {
        if (!enableSent) {
          await client.certificates.runAction(
            where.serverId,
            where.siteId,
            where.domainRecordId,
            certificateId,
            "enable",
          );
          enableSent = true;
        }
        return waitPending("installed");
      }
      return waitPending(progress.status);
    },
    {
      what: `certificate ${certificateId} for \`${where.domain}\` to be installed and active`,
      timeoutMs: ISSUE_TIMEOUT_MS,
      ...pollPacing(),
    },
  );
}

/** Deletes the certificate and waits until Forge answers 404; an already missing one is done. */
export async function removeCertificate(
  client: ForgeClient,
  where: DomainLocation,
  certificateId: number,
): Promise<void> {
  const { serverId, siteId, domainRecordId } = where;
  await deleteAndWaitGone(
    client,
    () => client.certificates.delete(serverId, siteId, domainRecordId, certificateId),
    () => client.certificates.get(serverId, siteId, domainRecordId, certificateId),
    { subject: `certificate ${certificateId} for \`${where.domain}\``, timeoutMs: REMOVE_TIMEOUT_MS },
  );
}

/** The status to record when waiting ended in `error`: the failed state, or the last one seen before a timeout. */
export function statusAfter(error: unknown, fallback: string): string {
  if (error instanceof CertificateFailedError) return error.status;
  const lastStatus: unknown = error instanceof Error ? Reflect.get(error, "lastStatus") : undefined;
  return typeof lastStatus === "string" ? lastStatus : fallback;
}
