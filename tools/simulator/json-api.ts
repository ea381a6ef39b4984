/** JSON:API encoding as Forge's new API uses it: string ids, `attributes`, and `links.self.href`. */

export interface JsonApiResource {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, unknown>;
  links: { self: { href: string } };
}

export function iso(ms: number): string {
  // Laravel prints microseconds; milliseconds padded to six digits keep the same shape.
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

export function resource(
  type: string,
  id: number | string,
  attributes: Record<string, unknown>,
  selfUrl: string,
  relationships?: Record<string, unknown>,
): JsonApiResource {
  const encoded: JsonApiResource = { id: String(id), type, attributes, links: { self: { href: selfUrl } } };
  if (relationships !== undefined) encoded.relationships = relationships;
  return encoded;
}

export function document(data: JsonApiResource, included?: JsonApiResource[]): Record<string, unknown> {
  return included === undefined ? { data } : { data, included };
}
