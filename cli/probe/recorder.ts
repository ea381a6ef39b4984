/**
 * The probe's Forge client: the ordinary client, with every answer kept (step, operation, path, status, body) so the
 * run can be written out as fixtures. Bodies are kept as Forge sent them and redacted only when written, once every
 * secret of the run (the rule's password, the `.env` values) is known.
 */
import {
  ForgeApiError,
  ForgeClient,
  type ForgeClientOptions,
  type ForgeOperationId,
  type ForgeRequest,
  FORGE_OPERATIONS,
  buildPath,
  envValues,
} from "../../providers/forge";
import { redactSecrets, redactText } from "../../providers/common/redact";

/** One request and what came back. */
export interface Exchange {
  seq: number;
  /** The probe step that sent it, e.g. `site`, `deployment`. */
  step: string;
  operation: ForgeOperationId;
  method: string;
  /** Below the API URL, without the query. */
  path: string;
  query: Record<string, string | number | boolean>;
  /** null for a 2xx answer (the client does not tell 200 from 202), else the HTTP status. */
  status: number | null;
  /** The parsed body: null for an empty one. Absent when no answer came (a network failure). */
  body?: unknown;
  /** For a failure: the client's message. */
  error?: string;
}

/** `.env` files travel as `content`: only the names stay, and whether each value was empty. */
const ENV_OPERATION: ForgeOperationId = "organizations.servers.sites.environment.show";

export class RecordingForgeClient extends ForgeClient {
  readonly exchanges: Exchange[] = [];
  /** The step new exchanges are filed under. */
  step = "setup";
  readonly #secrets: string[] = [];

  constructor(options: ForgeClientOptions & { token: string }) {
    super(options);
    this.#secrets.push(options.token);
  }

  /** A value that must not reach the fixtures or the report. */
  addSecret(...values: string[]): void {
    this.#secrets.push(...values.filter((value) => value !== ""));
  }

  get secrets(): readonly string[] {
    return this.#secrets;
  }

  override async send<Op extends ForgeOperationId>(request: ForgeRequest<Op>): Promise<unknown> {
    const exchange: Exchange = {
      seq: this.exchanges.length + 1,
      step: this.step,
      operation: request.operation,
      method: FORGE_OPERATIONS[request.operation].method,
      path: buildPath(request.operation, request.params, request.org ?? this.org),
      query: Object.fromEntries(
        Object.entries(request.query ?? {}).filter((entry): entry is [string, string | number | boolean] => {
          return entry[1] !== undefined;
        }),
      ),
      status: null,
    };
    this.exchanges.push(exchange);
    try {
      const body = await super.send(request);
      exchange.body = body;
      if (request.operation === ENV_OPERATION) this.addSecret(...secretEnvValues(environmentContent(body)));
      return body;
    } catch (error) {
      if (error instanceof ForgeApiError) {
        exchange.status = error.status;
        exchange.body = error.body;
      }
      exchange.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  /** The exchanges with every secret of the run removed: what may be written and shown. */
  redactedExchanges(): Exchange[] {
    return this.exchanges.map((exchange) => {
      const out: Exchange = { ...exchange };
      if (exchange.body !== undefined) out.body = this.redact(exchange.body);
      // After redaction: the names-only form is safe, and the generic patterns would eat its `NAME=` lines.
      if (exchange.operation === ENV_OPERATION && exchange.status === null)
        out.body = withEnvironmentNamesOnly(out.body, environmentContent(exchange.body));
      if (exchange.error !== undefined) out.error = this.redactString(exchange.error);
      return out;
    });
  }

  /** Known secrets in any string (keys too), and generic secret shapes (a deploy hook's `token=`) in values. */
  redact(value: unknown): unknown {
    if (typeof value === "string") return this.redactString(value);
    if (Array.isArray(value)) return value.map((item) => this.redact(item));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [redactText(key, this.#secrets), this.redact(item)]),
      );
    }
    return value;
  }

  redactString(text: string): string {
    return redactSecrets(text, this.#secrets);
  }
}

/**
 * The values of `.env` lines whose name says secret (`DB_PASSWORD`, `APP_KEY`, `AWS_SECRET_ACCESS_KEY`). The fixture
 * keeps only names, so these guard the rest of the run; every value would also redact words like `false` everywhere.
 */
function secretEnvValues(content: string): string[] {
  const secretLines = content
    .split(/\r?\n/)
    .filter((line) =>
      /^\s*(?:export\s+)?[A-Za-z0-9_.]*(?:PASS|SECRET|TOKEN|KEY|CREDENTIAL)[A-Za-z0-9_.]*\s*=/i.test(line),
    );
  return envValues(secretLines.join("\n"));
}

function environmentContent(body: unknown): string {
  const content = (body as { data?: { attributes?: { content?: unknown } } } | null)?.data?.attributes?.content;
  return typeof content === "string" ? content : "";
}

/** `NAME=[REDACTED]` for a set value, `NAME=` for an empty one; comments and blank lines go. */
export function environmentNamesOnly(content: string): string {
  return content
    .split(/\r?\n/)
    .flatMap((line) => {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
      if (match === null) return [];
      return [`${match[1]}=${match[2].trim() === "" || match[2].trim() === '""' ? "" : "[REDACTED]"}`];
    })
    .join("\n");
}

function withEnvironmentNamesOnly(body: unknown, original: string): unknown {
  const copy = structuredClone(body) as { data?: { attributes?: { content?: unknown } } } | null;
  const attributes = copy?.data?.attributes;
  if (attributes !== undefined && typeof attributes.content === "string")
    attributes.content = environmentNamesOnly(original);
  return copy;
}
