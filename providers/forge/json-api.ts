import { ForgeDecodeError } from "./errors";
import { isRecord } from "../common/narrow";

/**
 * JSON:API decoding, in one place. Forge sends `{data: {id: "12", type, attributes, relationships}}`;
 * ids are strings on the wire and numbers in paths, so they become numbers here. Fields this client does
 * not read are ignored, so Forge adding attributes breaks nothing.
 */

export interface DecodedResource {
  id: number;
  type: string;
  attributes: AttributeReader;
  /** Relationship name to the related id(s); `null` for an empty to-one. */
  relationships: Record<string, number | number[] | null>;
}

export interface DecodedPage {
  items: DecodedResource[];
  /** `meta.next_cursor`; `null` on the last page and for endpoints that return a plain array. */
  nextCursor: string | null;
}

/** Parses a JSON:API id (a string of digits on the wire) into a positive integer. */
export function parseId(value: unknown, where: string): number {
  const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id === "number" && Number.isSafeInteger(id) && id > 0) return id;
  const shown = typeof value === "string" || typeof value === "number" ? JSON.stringify(value) : describe(value);
  throw new ForgeDecodeError(`Forge returned ${where} with an unreadable id ${shown}`);
}

/** Decodes one resource object (an element of `data`). */
export function decodeResource(raw: unknown, expectedType: string): DecodedResource {
  if (!isRecord(raw)) throw new ForgeDecodeError(`Forge returned a ${expectedType} entry that is not an object`);
  const type = typeof raw.type === "string" ? raw.type : expectedType;
  const id = parseId(raw.id, `a ${type} resource`);
  const attributes = isRecord(raw.attributes) ? raw.attributes : {};
  return {
    id,
    type,
    attributes: new AttributeReader(attributes, `${type} ${id}`),
    relationships: decodeRelationships(raw.relationships, `${type} ${id}`),
  };
}

/** Decodes `{data: {...}}`. */
export function decodeDocument(body: unknown, expectedType: string): DecodedResource {
  if (!isRecord(body) || !("data" in body)) {
    throw new ForgeDecodeError(`Forge returned no \`data\` where a ${expectedType} resource was expected`);
  }
  return decodeResource(body.data, expectedType);
}

/**
 * The attributes of a singleton document (a site's `.env`, deploy script, a log): those ids carry no
 * meaning the client uses, and are not always numeric, so they are not parsed.
 */
export function decodeSingletonAttributes(body: unknown, expectedType: string): AttributeReader {
  if (!isRecord(body) || !isRecord(body.data)) {
    throw new ForgeDecodeError(`Forge returned no \`data\` where a ${expectedType} resource was expected`);
  }
  const attributes = isRecord(body.data.attributes) ? body.data.attributes : {};
  return new AttributeReader(attributes, expectedType);
}

/** Decodes `{data: [...], meta: {next_cursor}}`; a missing `meta` means a single, complete page. */
export function decodePage(body: unknown, expectedType: string): DecodedPage {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw new ForgeDecodeError(`Forge returned no \`data\` array where a list of ${expectedType} was expected`);
  }
  const cursor = isRecord(body.meta) ? body.meta.next_cursor : null;
  return {
    items: body.data.map((item) => decodeResource(item, expectedType)),
    nextCursor: typeof cursor === "string" && cursor !== "" ? cursor : null,
  };
}

function decodeRelationships(raw: unknown, where: string): Record<string, number | number[] | null> {
  const out: Record<string, number | number[] | null> = {};
  if (!isRecord(raw)) return out;
  for (const [name, relationship] of Object.entries(raw)) {
    if (!isRecord(relationship) || !("data" in relationship)) continue;
    const data = relationship.data;
    if (Array.isArray(data)) {
      out[name] = data.map((ref) => parseId(isRecord(ref) ? ref.id : ref, `${where} relationship \`${name}\``));
    } else if (isRecord(data)) {
      out[name] = parseId(data.id, `${where} relationship \`${name}\``);
    } else {
      out[name] = null;
    }
  }
  return out;
}

/** The fields of `T` whose values a reader can give: each key of `T` whose type takes what the reader returns. */
type FieldsTaking<T, Value> = { [K in keyof T]-?: Value extends T[K] ? K : never }[keyof T] & string;

/**
 * How `attributeDecoder` reads a resource: by reader, the fields it reads, named in camelCase for the snake_case
 * attribute (`wwwRedirectType` reads `www_redirect_type`). `flag` reads an optional boolean as `false` when absent.
 */
export interface AttributeFields<T> {
  string?: readonly FieldsTaking<T, string>[];
  optionalString?: readonly FieldsTaking<T, string | null>[];
  optionalNumber?: readonly FieldsTaking<T, number | null>[];
  flag?: readonly FieldsTaking<T, boolean>[];
}

const READERS: Record<keyof AttributeFields<unknown>, (a: AttributeReader, key: string) => unknown> = {
  string: (a, key) => a.string(key),
  optionalString: (a, key) => a.optionalString(key),
  optionalNumber: (a, key) => a.optionalNumber(key),
  flag: (a, key) => a.optionalBoolean(key) ?? false,
};

/** A decoder of `{ id, ...fields }`, each field read from its attribute by the reader it is listed under. */
export function attributeDecoder<T extends { id: number }>(
  fields: AttributeFields<T>,
): (resource: DecodedResource) => T {
  const reads = Object.entries(fields).flatMap(([reader, names]: [string, readonly string[]]) =>
    names.map((name) => ({ name, key: snakeCase(name), read: READERS[reader as keyof typeof READERS] })),
  );
  return (resource) => {
    const decoded: Record<string, unknown> = { id: resource.id };
    for (const { name, key, read } of reads) decoded[name] = read(resource.attributes, key);
    return decoded as T;
  };
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Narrowing reads of `attributes`. Required reads throw a `ForgeDecodeError` naming the resource and field;
 * optional reads turn a missing or `null` field into `null` but still reject a value of the wrong type.
 */
export class AttributeReader {
  constructor(
    private readonly values: Record<string, unknown>,
    readonly where: string,
  ) {}

  string(key: string): string {
    return this.required(key, "a string", (v): v is string => typeof v === "string");
  }

  optionalString(key: string): string | null {
    return this.optional(key, "a string", (v): v is string => typeof v === "string");
  }

  boolean(key: string): boolean {
    return this.required(key, "a boolean", (v): v is boolean => typeof v === "boolean");
  }

  optionalBoolean(key: string): boolean | null {
    return this.optional(key, "a boolean", (v): v is boolean => typeof v === "boolean");
  }

  number(key: string): number {
    return this.required(key, "a number", isFiniteNumber);
  }

  optionalNumber(key: string): number | null {
    return this.optional(key, "a number", isFiniteNumber);
  }

  /** A list of strings; missing means empty. */
  stringList(key: string): string[] {
    const value = this.optional(key, "a list of strings", isStringArray);
    return value ?? [];
  }

  /** A nested object (e.g. a site's `repository`), read with the same rules; `null` when absent. */
  optionalObject(key: string): AttributeReader | null {
    const value = this.optional(key, "an object", isRecord);
    return value === null ? null : new AttributeReader(value, `${this.where} \`${key}\``);
  }

  /** A map of strings (e.g. a site's `shared_paths`); missing means empty. */
  stringMap(key: string): Record<string, string> {
    const value = this.optional(key, "a map of strings", isRecord) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
    return out;
  }

  private required<T>(key: string, expected: string, test: (value: unknown) => value is T): T {
    const value = this.values[key];
    if (test(value)) return value;
    throw new ForgeDecodeError(`Forge returned ${this.where} without ${expected} \`${key}\` (got ${describe(value)})`);
  }

  private optional<T>(key: string, expected: string, test: (value: unknown) => value is T): T | null {
    const value = this.values[key];
    if (value === undefined || value === null) return null;
    if (test(value)) return value;
    throw new ForgeDecodeError(
      `Forge returned ${this.where} with \`${key}\` that is not ${expected} (got ${describe(value)})`,
    );
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** A type description only: attribute values may be secrets (a `.env`, a log), so they are never echoed. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value;
}
