/**
 * Request bodies of the Forge operations this client calls, in Forge's snake_case, as the spec names them.
 */
import type {
  BackgroundProcessUser,
  CertificateAction,
  CertificateKeyType,
  CertificateVerificationMethod,
  DomainMode,
  PhpVersion,
  SiteType,
  SourceControlProvider,
  WwwRedirectType,
} from "./types";

/** `CreateSiteRequest` (statamic and frontend-build fields omitted: the preview tool does not set them). */
export interface CreateSiteRequest {
  type: SiteType;
  domain_mode?: DomainMode;
  name?: string;
  www_redirect_type?: WwwRedirectType;
  allow_wildcard_subdomains?: boolean;
  root_directory?: string | null;
  web_directory?: string | null;
  is_isolated?: boolean;
  isolated_user?: string;
  php_version?: PhpVersion;
  zero_downtime_deployments?: boolean;
  nginx_template_id?: number;
  source_control_provider?: SourceControlProvider;
  repository?: string | null;
  branch?: string | null;
  database_id?: number;
  database_user_id?: number;
  install_composer_dependencies?: boolean;
  generate_deploy_key?: boolean;
  push_to_deploy?: boolean;
  tags?: string[] | null;
  shared_paths?: { from: string; to: string }[];
}

export interface UpdateSiteRequest {
  root_path?: string | null;
  directory?: string | null;
  type?: SiteType;
  php_version?: PhpVersion;
  push_to_deploy?: boolean;
  repository_branch?: string | null;
}

/** `CreateDomainCertificateRequest`, narrowed to the Let's Encrypt and clone variants the tool uses. */
export interface CreateCertificateRequest {
  type: "letsencrypt" | "clone";
  enable?: boolean;
  letsencrypt?: {
    verification_method?: CertificateVerificationMethod;
    key_type?: CertificateKeyType;
    preferred_chain?: string | null;
  };
  clone?: { certificate_id?: number };
}

export interface CertificateActionRequest {
  action: CertificateAction;
}

export interface UpdateEnvironmentRequest {
  environment: string;
  cache?: boolean;
  queues?: boolean;
  encryption_key?: string | null;
}

export interface UpdateDeploymentScriptRequest {
  content: string;
  auto_source?: boolean | null;
}

export interface CreateDatabaseRequest {
  name: string;
  user?: string | null;
  password?: string | null;
}

export interface CreateDatabaseUserRequest {
  name: string;
  password: string;
  read_only?: boolean;
  database_ids?: number[];
}

export interface UpdateDatabaseUserRequest {
  password?: string | null;
  database_ids?: number[];
}

export interface CreateBackgroundProcessRequest {
  name: string;
  site_id?: number;
  command: string;
  user: BackgroundProcessUser;
  directory?: string | null;
  processes: number;
  startsecs?: number;
  stopwaitsecs?: number;
  stopsignal?: string | null;
}

export interface CreateSecurityRuleRequest {
  name: string;
  path?: string;
  credentials: { username: string; password: string }[];
}

export interface UpdateSecurityRuleRequest {
  name: string;
  path?: string | null;
  credentials: { username: string; password?: string }[];
}

export interface RunSiteCommandRequest {
  command: string;
}

export interface UpdateHealthcheckEndpointRequest {
  healthcheck_endpoint?: string | null;
}
