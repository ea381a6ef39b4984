/**
 * LetsEncryptCert (`forge:LetsEncryptCert`): HTTPS for a preview site, as a certificate on the site's primary domain
 * record, enabled so that it serves the domain.
 *
 * `mode: "letsencrypt"` asks Forge for a Let's Encrypt certificate (http-01, ECDSA key). `mode: "clone"` copies a
 * certificate already on the server (`cloneCertificateId`, typically a wildcard for the preview domain), so a busy
 * team does not run into Let's Encrypt's limit of 50 certificates per registered domain per week. A `letsencrypt` request
 * waits for Forge to verify the domain, and is refused beforehand when Let's Encrypt's duplicate limit (5 a week for
 * one name) is spent; `issuances.ts` says where that count lives.
 *
 * Ownership: the site is this preview's, so a certificate on its primary domain record is too. Create adopts one of
 * the same kind that is serving or still installing (a previous run that lost its state), and requests a new one
 * otherwise. Every change replaces the certificate; see `planCertReplacement` for the order. Delete addresses the
 * certificate through this site's domain record and checks that the record still has this domain first.
 */
import { previewCommand } from "../common/cli-hints";
import { onlyFields } from "../common/narrow";
import * as pulumi from "@pulumi/pulumi";
import type { Certificate, ForgeClient } from "../forge";
import { createOrFindAfterLostAnswer, isForgeNotFound } from "../forge";
import {
  type DomainLocation,
  fetchCertificate,
  findPrimaryDomain,
  removeCertificate,
  requestCertificate,
  statusAfter,
  waitForVerifiedDomain,
  waitUntilServing,
} from "./forge";
import {
  CERT_FIELDS,
  type LetsEncryptCertInputs,
  checkCertInputs,
  duplicateLimitRefusal,
  isAdoptable,
  isFailedStatus,
  isOfMode,
  planCertReplacement,
} from "./rules";
import { recentIssuances, recordIssuance } from "./issuances";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig } from "../runtime";
import { UserError } from "../common/user-error";

export type { CertificateMode, LetsEncryptCertInputs } from "./rules";

export interface LetsEncryptCertOutputs extends LetsEncryptCertInputs {
  certificateId: number;
  domainRecordId: number;
  /** Whether the certificate serves the domain. */
  active: boolean;
  /** Null unless Forge reports an expiry date (its new API does not describe one). */
  expiresAt: string | null;
  /** Forge's status when last seen; a failed certificate is replaced by the next `pulumi up`. */
  status: string;
}

interface Observed {
  id: number;
  active: boolean;
  status: string;
  expiresAt?: string | null;
}

function outputsFor(
  inputs: LetsEncryptCertInputs,
  domainRecordId: number,
  certificate: Observed,
): LetsEncryptCertOutputs {
  return {
    ...onlyFields(inputs, CERT_FIELDS),
    certificateId: certificate.id,
    domainRecordId,
    active: certificate.active,
    expiresAt: certificate.expiresAt ?? null,
    status: certificate.status,
  };
}

function locationOf(props: LetsEncryptCertOutputs): DomainLocation {
  return { serverId: props.serverId, siteId: props.siteId, domainRecordId: props.domainRecordId, domain: props.domain };
}

function parseCertificateId(id: string): number {
  const certificateId = Number(id);
  if (!Number.isSafeInteger(certificateId) || certificateId <= 0) {
    throw new Error(`LetsEncryptCert id \`${id}\` is not a Forge certificate id; run ${previewCommand("refresh")}`);
  }
  return certificateId;
}

/**
 * Waits for the certificate to serve. It exists by now, so a failure keeps its id in state (with the status it ended
 * in, which makes the next diff replace a failed one) and destroy can remove it.
 */
async function settle(
  client: ForgeClient,
  inputs: LetsEncryptCertInputs,
  where: DomainLocation,
  certificate: Certificate,
): Promise<LetsEncryptCertOutputs> {
  try {
    return outputsFor(inputs, where.domainRecordId, await waitUntilServing(client, where, certificate.id));
  } catch (error) {
    const outs = outputsFor(inputs, where.domainRecordId, {
      ...certificate,
      status: statusAfter(error, certificate.status),
    });
    throw partialFailure(String(certificate.id), outs, error);
  }
}

/** Counts an issued certificate towards Let's Encrypt's duplicate limit; the certificate serves even if this fails. */
async function noteIssuance(domain: string, certificateId: number): Promise<void> {
  try {
    await recordIssuance(domain, certificateId, Date.now());
  } catch (error) {
    void pulumi.log.warn(
      `lets-encrypt-cert: certificate ${certificateId} for ${domain} serves, but could not be counted towards Let's ` +
        `Encrypt's duplicate limit in the server's Redis: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export const provider: ProviderImplementation<LetsEncryptCertInputs, LetsEncryptCertOutputs> = {
  async check(_olds, news) {
    return checkCertInputs(news);
  },

  async diff(_id, olds, news) {
    const plan = planCertReplacement({ ...olds }, { ...news }, typeof olds.status === "string" ? olds.status : null);
    return {
      changes: plan.replaces.length > 0,
      replaces: plan.replaces,
      deleteBeforeReplace: plan.deleteBeforeReplace,
    };
  },

  async create(inputs) {
    const client = forgeClientFromStackConfig();
    const record = await findPrimaryDomain(client, inputs.serverId, inputs.siteId, inputs.domain);
    const where: DomainLocation = { ...inputs, domainRecordId: record.id };
    const existing = await client.certificates.list(inputs.serverId, inputs.siteId, record.id).all();
    // A serving certificate is preferred over one still installing.
    const adoptable = existing
      .filter((certificate) => isAdoptable(certificate, inputs.mode))
      .sort((a, b) => Number(b.active) - Number(a.active))[0];
    let certificate = adoptable;
    let verb = "adopted";
    if (certificate === undefined) {
      if (inputs.mode === "letsencrypt") {
        // Refused before asking: Let's Encrypt would refuse it anyway, after Forge had made a certificate to fail.
        const refusal = duplicateLimitRefusal(
          inputs.domain,
          await recentIssuances(inputs.domain, Date.now()),
          Date.now(),
        );
        if (refusal !== null) throw new UserError(refusal);
      }
      await waitForVerifiedDomain(client, where, record.status);
      const { object, lost } = await createOrFindAfterLostAnswer({
        what: `a certificate for \`${inputs.domain}\` on site ${inputs.siteId}`,
        mark: `the site's own domain record ${record.id} (\`${inputs.domain}\`)`,
        create: () => requestCertificate(client, where, inputs.mode, inputs.cloneCertificateId),
        // Nothing of this kind was there a moment ago, so one that is there now came from the request.
        find: async () =>
          (await client.certificates.list(inputs.serverId, inputs.siteId, record.id).all()).find(
            (candidate) => isOfMode(candidate, inputs.mode) && !isFailedStatus(candidate.status),
          ),
      });
      certificate = object;
      verb = lost === null ? "requested" : "recovered";
      if (lost !== null)
        void pulumi.log.info(`lets-encrypt-cert: the answer to requesting a certificate was lost (${lost.message})`);
    }
    void pulumi.log.info(`lets-encrypt-cert: ${verb} certificate ${certificate.id} for ${inputs.domain}`);
    const outs = await settle(client, inputs, where, certificate);
    // An adopted certificate was issued too, by a run that lost its state; one already counted is not counted again.
    if (inputs.mode === "letsencrypt") await noteIssuance(inputs.domain, certificate.id);
    return { id: String(certificate.id), outs: outs satisfies LetsEncryptCertOutputs };
  },

  /**
   * Every input change replaces the certificate, so the engine only calls this to resume a create that ended as a
   * partial failure (a wait that timed out): it waits for the same certificate again.
   */
  async update(id, olds, news) {
    const client = forgeClientFromStackConfig();
    const where = locationOf(olds);
    const certificate = await fetchCertificate(client, where, parseCertificateId(id));
    const outs = await settle(client, news, where, certificate);
    if (news.mode === "letsencrypt") await noteIssuance(news.domain, certificate.id);
    return { outs: outs satisfies LetsEncryptCertOutputs };
  },

  async read(id, props) {
    const client = forgeClientFromStackConfig();
    try {
      const certificate = await fetchCertificate(client, locationOf(props), parseCertificateId(id));
      return { id, props: { ...props, ...outputsFor(props, props.domainRecordId, certificate) } };
    } catch (error) {
      if (isForgeNotFound(error)) return { id: "" };
      throw error;
    }
  },

  async delete(id, props) {
    const client = forgeClientFromStackConfig();
    const where = locationOf(props);
    const certificateId = parseCertificateId(id);
    let recordName: string;
    try {
      recordName = (await client.domains.get(where.serverId, where.siteId, where.domainRecordId)).name;
    } catch (error) {
      // The domain record went with its site, and its certificates with it.
      if (isForgeNotFound(error)) return;
      throw error;
    }
    if (recordName !== props.domain) {
      throw new UserError(
        `Domain record ${where.domainRecordId} of site ${where.siteId} is now \`${recordName}\`, not \`${props.domain}\`, ` +
          `so certificate ${certificateId} is left alone. Remove it in Forge if it is a leftover, then drop it from the ` +
          `state with ${previewCommand("refresh")}.`,
      );
    }
    await removeCertificate(client, where, certificateId);
    void pulumi.log.info(`lets-encrypt-cert: removed certificate ${certificateId} for ${props.domain}`);
  },
};

export class LetsEncryptCert extends dynamicResourceClass<LetsEncryptCertInputs, LetsEncryptCertOutputs>({
  implementation: "providers/lets-encrypt-cert",
  type: ["forge", "LetsEncryptCert"],
  createdOutputs: { certificateId: true, domainRecordId: true, active: true, expiresAt: true, status: true },
}) {}
