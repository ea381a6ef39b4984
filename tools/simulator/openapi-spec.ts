import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
const METHODS: HttpMethod[] = ["get", "post", "put", "patch", "delete"];

/** What the simulator needs to know about one operation of Forge's OpenAPI file. */
export interface SpecOperation {
  method: HttpMethod;
  template: string;
  operationId: string;
  permissions: string[];
  pathParams: Array<{ name: string; type: string | null }>;
  /** Query parameter name → JSON pointer of its schema inside the spec. */
  queryParams: Map<string, string>;
  filters: string[];
  sorts: string[];
  includes: string[];
  body: { pointer: string; required: boolean } | null;
  /** Status code → JSON pointer of the body schema, or null for a documented empty body. */
  responses: Map<number, string | null>;
}

export interface LoadedSpec {
  document: Record<string, unknown>;
  operations: SpecOperation[];
  sha256: string;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Reads backticked names from descriptions like "Available sorts are `name`, `created_at`." */
function backticked(description: unknown): string[] {
  if (typeof description !== "string") return [];
  return [...description.matchAll(/`(-?[A-Za-z0-9_.]+)`/g)]
    .map((match) => match[1])
    .filter((name) => !name.startsWith("-"));
}

function resolveRef(document: Json, value: unknown): { node: Json; pointer: string | null } {
  const node = asObject(value);
  const ref = node.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return { node, pointer: null };
  const target = ref
    .slice(2)
    .split("/")
    .reduce<unknown>((current, key) => asObject(current)[key.replace(/~1/g, "/").replace(/~0/g, "~")], document);
  return { node: asObject(target), pointer: ref.slice(1) };
}

function describeOperation(document: Json, template: string, method: HttpMethod, raw: Json): SpecOperation {
  const base = `/paths/${escapePointer(template)}/${method}`;
  const parameters = Array.isArray(raw.parameters) ? raw.parameters : [];
  const pathParams: SpecOperation["pathParams"] = [];
  const queryParams = new Map<string, string>();
  let sorts: string[] = [];
  let includes: string[] = [];
  parameters.forEach((entry, index) => {
    const { node, pointer } = resolveRef(document, entry);
    const name = String(node.name);
    const schemaPointer = `${pointer ?? `${base}/parameters/${index}`}/schema`;
    if (node.in === "path") {
      const type = asObject(node.schema).type;
      pathParams.push({ name, type: typeof type === "string" ? type : null });
    } else if (node.in === "query") {
      queryParams.set(name, schemaPointer);
      if (name === "sort") sorts = backticked(node.description);
      if (name === "include") includes = backticked(node.description);
    }
  });
  const filters = [...queryParams.keys()].filter((name) => name.startsWith("filter[")).map((name) => name.slice(7, -1));

  let body: SpecOperation["body"] = null;
  const requestBody = resolveRef(document, raw.requestBody);
  const content = asObject(requestBody.node.content);
  if ("application/json" in content) {
    const bodyBase = requestBody.pointer ?? `${base}/requestBody`;
    body = { pointer: `${bodyBase}/content/application~1json/schema`, required: requestBody.node.required === true };
  }

  const responses = new Map<number, string | null>();
  for (const [code, value] of Object.entries(asObject(raw.responses))) {
    const { node, pointer } = resolveRef(document, value);
    const responseBase = pointer ?? `${base}/responses/${code}`;
    const types = Object.keys(asObject(node.content));
    responses.set(
      Number(code),
      types.length === 0 ? null : `${responseBase}/content/${escapePointer(types[0])}/schema`,
    );
  }

  const permissions = Array.isArray(raw["x-permissions"]) ? raw["x-permissions"].map(String) : [];
  return {
    method,
    template,
    operationId: String(raw.operationId ?? `${method} ${template}`),
    permissions,
    pathParams,
    queryParams,
    filters,
    sorts,
    includes,
    body,
    responses,
  };
}

/**
 * Parsing the 646 KB YAML takes about two seconds, so the parsed document is cached as JSON in the
 * system temp directory under the file's hash; every test file then starts in milliseconds.
 */
function readDocument(specPath: string): { document: Json; sha256: string } {
  const text = fs.readFileSync(specPath, "utf8");
  const sha256 = crypto.createHash("sha256").update(text).digest("hex");
  const cachePath = path.join(os.tmpdir(), `forge-simulator-openapi-${sha256.slice(0, 16)}.json`);
  try {
    return { document: asObject(JSON.parse(fs.readFileSync(cachePath, "utf8"))), sha256 };
  } catch {
    const document = asObject(parse(text));
    const temporary = `${cachePath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(document));
    fs.renameSync(temporary, cachePath);
    return { document, sha256 };
  }
}

export function loadSpec(specPath: string): LoadedSpec {
  const { document, sha256 } = readDocument(specPath);
  const operations: SpecOperation[] = [];
  for (const [template, item] of Object.entries(asObject(document.paths))) {
    for (const method of METHODS) {
      const raw = asObject(item)[method];
      if (raw !== undefined) operations.push(describeOperation(document, template, method, asObject(raw)));
    }
  }
  return { document, operations, sha256 };
}
