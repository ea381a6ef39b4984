import { decodeDocument, type DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";
import type {
  CertificateAction,
  CertificateKeyType,
  CertificateRequestStatus,
  CertificateType,
  CertificateVerificationMethod,
  CreateCertificateRequest,
  OpenEnum,
  ResourceState,
} from "./types";

export interface Certificate {
  id: number;
  type: OpenEnum<CertificateType>;
  verificationMethod: OpenEnum<CertificateVerificationMethod> | null;
  keyType: OpenEnum<CertificateKeyType> | null;
  preferredChain: string | null;
  /** `verifying` → `creating` → `created`. */
  requestStatus: OpenEnum<CertificateRequestStatus> | null;
  /** `installing` → `installed`, or `failed`. */
  status: OpenEnum<ResourceState>;
  /** Serving traffic; a new certificate may be installed yet inactive until enabled. */
  active: boolean;
}

export interface CreateLetsEncryptCertificateParams {
  /** Activate as soon as it is issued. @default true */
  enable?: boolean;
  /** @default "http-01" (Forge's default) */
  verificationMethod?: CertificateVerificationMethod;
  keyType?: CertificateKeyType;
  preferredChain?: string | null;
}

export function toCertificate(resource: DecodedResource): Certificate {
  const a = resource.attributes;
  return {
    id: resource.id,
    type: a.string("type"),
    verificationMethod: a.optionalString("verification_method"),
    keyType: a.optionalString("key_type"),
    preferredChain: a.optionalString("preferred_chain"),
    requestStatus: a.optionalString("request_status"),
    status: a.string("status"),
    active: a.optionalBoolean("active") ?? false,
  };
}

type DomainPath = { server: number; site: number; domainRecord: number };

export class CertificatesApi {
  constructor(private readonly transport: ForgeTransport) {}

  /** Forge returns these as one plain array, not cursor pages. */
  list(serverId: number, siteId: number, domainId: number): Paginated<Certificate> {
    return this.transport.list(
      {
        operation: "organizations.servers.sites.domains.certificates.index",
        params: path(serverId, siteId, domainId),
        pageSize: null,
      },
      "certificates",
      toCertificate,
    );
  }

  get(serverId: number, siteId: number, domainId: number, certificateId: number): Promise<Certificate> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.domains.certificates.show",
        params: { ...path(serverId, siteId, domainId), certificate: certificateId },
      },
      "certificates",
      toCertificate,
    );
  }

  /** The certificate currently serving the domain; a `ForgeNotFoundError` when there is none. */
  getActive(serverId: number, siteId: number, domainId: number): Promise<Certificate> {
    return this.transport.sendFor(
      {
        operation: "organizations.servers.sites.domains.certificates.active",
        params: path(serverId, siteId, domainId),
      },
      "certificates",
      toCertificate,
    );
  }

  /** Requests a Let's Encrypt certificate for the domain record (202); poll `get` until installed and active. */
  async createLetsEncrypt(
    serverId: number,
    siteId: number,
    domainId: number,
    params: CreateLetsEncryptCertificateParams = {},
  ): Promise<Certificate> {
    const body: CreateCertificateRequest = {
      type: "letsencrypt",
      enable: params.enable ?? true,
      letsencrypt: {
        verification_method: params.verificationMethod ?? "http-01",
        key_type: params.keyType,
        preferred_chain: params.preferredChain,
      },
    };
    const response = await this.transport.send({
      operation: "organizations.servers.sites.domains.certificates.store",
      params: path(serverId, siteId, domainId),
      body,
    });
    return toCertificate(decodeDocument(response, "certificates"));
  }

  /** `enable` or `disable` (async, 202). */
  async runAction(
    serverId: number,
    siteId: number,
    domainId: number,
    certificateId: number,
    action: CertificateAction,
  ): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.sites.domains.certificates.actions.store",
      params: { ...path(serverId, siteId, domainId), certificate: certificateId },
      body: { action },
    });
  }

  async delete(serverId: number, siteId: number, domainId: number, certificateId: number): Promise<void> {
    await this.transport.send({
      operation: "organizations.servers.sites.domains.certificates.destroy",
      params: { ...path(serverId, siteId, domainId), certificate: certificateId },
    });
  }
}

function path(server: number, site: number, domainRecord: number): DomainPath {
  return { server, site, domainRecord };
}
