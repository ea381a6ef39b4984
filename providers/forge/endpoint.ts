import { type AttributeReader, type DecodedResource, decodeSingletonAttributes } from "./json-api";
import type { ForgeOperationId, OperationPathParams } from "./operations";
import type { Paginated } from "./paginate";
import type { ForgeTransport, QueryValue } from "./request";

/** The operation `<prefix>.<verb>`, when Forge has it (`never` otherwise, so a wrong verb does not compile). */
type Operation<Prefix extends string, Verb extends string> = Extract<`${Prefix}.${Verb}`, ForgeOperationId>;
type Ids<Prefix extends string, Verb extends string> = OperationPathParams<Operation<Prefix, Verb>>;

/**
 * One Forge JSON:API collection: operations named `<prefix>.index`, `<prefix>.show`, `<prefix>.store`, ..., documents
 * of one `type`, each resource read by `decode`. The per-area APIs describe theirs with it and keep their own typed
 * methods, which say only what differs: the ids, the query, the request body and its secrets.
 */
export class ResourceEndpoint<Prefix extends string, T> {
  constructor(
    private readonly transport: ForgeTransport,
    private readonly prefix: Prefix,
    private readonly type: string,
    private readonly decode: (resource: DecodedResource) => T,
  ) {}

  /** `<prefix>.index`, cursor-paginated; `pageSize: null` for a list Forge does not paginate. */
  list(ids: Ids<Prefix, "index">, query?: Record<string, QueryValue>, pageSize?: number | null): Paginated<T> {
    const request = { operation: this.operation("index"), params: ids, query, pageSize };
    return this.transport.list(request, this.type, this.decode);
  }

  /** `<prefix>.<verb>`, whose answer is one resource of this collection. */
  resource<Verb extends string>(verb: Verb, ids: Ids<Prefix, Verb>, body?: object, secrets?: string[]): Promise<T> {
    return this.transport.sendFor(
      { operation: this.operation(verb), params: ids, body, secrets },
      this.type,
      this.decode,
    );
  }

  /** `<prefix>.<verb>`, whose answer (usually empty: 202 or 204) is not read. */
  async call<Verb extends string>(
    verb: Verb,
    ids: Ids<Prefix, Verb>,
    body?: object,
    secrets?: string[],
  ): Promise<void> {
    await this.transport.send({ operation: this.operation(verb), params: ids, body, secrets });
  }

  /** `<prefix>.<verb>`, whose answer is a singleton document of `type` (an output, a script, a status). */
  async singleton<Verb extends string>(
    verb: Verb,
    ids: Ids<Prefix, Verb>,
    type: string,
    body?: object,
  ): Promise<AttributeReader> {
    return decodeSingletonAttributes(
      await this.transport.send({ operation: this.operation(verb), params: ids, body }),
      type,
    );
  }

  private operation<Verb extends string>(verb: Verb): Operation<Prefix, Verb> {
    return `${this.prefix}.${verb}` as Operation<Prefix, Verb>;
  }
}
