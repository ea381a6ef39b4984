import { attributeDecoder } from "./json-api";
import { ResourceEndpoint } from "./endpoint";
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

export const toCertificate = attributeDecoder<Certificate>({
  string: ["type", "status"],
  optionalString: ["verificationMethod", "keyType", "preferredChain", "requestStatus"],
  flag: ["active"],
});

type DomainPath = { server: number; site: number; domainRecord: number };

export class CertificatesApi {
  readonly #certificates: ResourceEndpoint<typeof CERTIFICATES, Certificate>;

  constructor(transport: ForgeTransport) {
    this.#certificates = new ResourceEndpoint(transport, CERTIFICATES, "certificates", toCertificate);
  }

  /** Forge returns these as one plain array, not cursor pages. */
  list(serverId: number, siteId: number, domainId: number): Paginated<Certificate> {
    return this.#certificates.list(path(serverId, siteId, domainId), undefined, null);
  }

  get(serverId: number, siteId: number, domainId: number, certificateId: number): Promise<Certificate> {
    return this.#certificates.resource("show", { ...path(serverId, siteId, domainId), certificate: certificateId });
  }

  /** The certificate currently serving the domain; a `ForgeNotFoundError` when there is none. */
  getActive(serverId: number, siteId: number, domainId: number): Promise<Certificate> {
    return this.#certificates.resource("active", path(serverId, siteId, domainId));
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
    return this.#certificates.resource("store", path(serverId, siteId, domainId), body);
  }

  /** `enable` or `disable` (async, 202). */
  runAction(
    serverId: number,
    siteId: number,
    domainId: number,
    certificateId: number,
    action: CertificateAction,
  ): Promise<void> {
    const ids = { ...path(serverId, siteId, domainId), certificate: certificateId };
    return this.#certificates.call("actions.store", ids, { action });
  }

  delete(serverId: number, siteId: number, domainId: number, certificateId: number): Promise<void> {
    return this.#certificates.call("destroy", { ...path(serverId, siteId, domainId), certificate: certificateId });
  }
}

const CERTIFICATES = "organizations.servers.sites.domains.certificates";

function path(server: number, site: number, domainRecord: number): DomainPath {
  return { server, site, domainRecord };
}
