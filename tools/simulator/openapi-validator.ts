import Ajv2020 from "ajv/dist/2020";
import type { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { laravelErrors } from "./validation-messages";
import type { HttpMethod, LoadedSpec, SpecOperation } from "./openapi-spec";

const SPEC_ID = "forge-openapi.json";

interface Compiled {
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
}

// Compiling one schema costs up to a few hundred milliseconds, so simulators in one process share them.
const compiledBySpec = new Map<string, Compiled>();

function compiledFor(spec: LoadedSpec): Compiled {
  let compiled = compiledBySpec.get(spec.sha256);
  if (compiled === undefined) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; `strict: false` lets OpenAPI's own keywords through.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    ajv.addSchema(spec.document, SPEC_ID);
    compiled = { ajv, validators: new Map() };
    compiledBySpec.set(spec.sha256, compiled);
  }
  return compiled;
}

function nodeAt(document: unknown, pointer: string): Record<string, unknown> {
  let node: unknown = document;
  for (const key of pointer.split("/").slice(1)) {
    node = (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  const found = typeof node === "object" && node !== null ? (node as Record<string, unknown>) : {};
  const ref = found.$ref;
  return typeof ref === "string" && ref.startsWith("#/") ? nodeAt(document, ref.slice(1)) : found;
}

/** Checks requests and responses against Forge's OpenAPI file. */
export class ContractValidator {
  private readonly compiled: Compiled;
  private readonly byKey = new Map<string, SpecOperation>();

  constructor(readonly spec: LoadedSpec) {
    this.compiled = compiledFor(spec);
    for (const operation of spec.operations) this.byKey.set(`${operation.method} ${operation.template}`, operation);
  }

  operation(method: string, template: string): SpecOperation | undefined {
    return this.byKey.get(`${method.toLowerCase()} ${template}`);
  }

  templates(): Array<{ method: HttpMethod; template: string }> {
    return this.spec.operations.map(({ method, template }) => ({ method, template }));
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.compiled.validators.get(pointer);
    if (validate === undefined) {
      validate = this.compiled.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.compiled.validators.set(pointer, validate);
    }
    return validate;
  }

  /** Validates the query values the operation documents; undocumented ones are left to the caller. */
  validateQuery(operation: SpecOperation, query: Record<string, string>): Record<string, string[]> {
    const errors: Record<string, string[]> = {};
    for (const [name, raw] of Object.entries(query)) {
      const pointer = operation.queryParams.get(name);
      if (pointer === undefined) continue;
      const type = nodeAt(this.spec.document, pointer).type;
      let value: unknown = raw;
      if (type === "integer" || type === "number") {
        if (!/^-?\d+(\.\d+)?$/.test(raw)) {
          errors[name] = [`The ${name} field must be ${type === "integer" ? "an integer" : "a number"}.`];
          continue;
        }
        value = Number(raw);
      } else if (type === "boolean") {
        value = raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
      }
      const validate = this.validator(pointer);
      if (!validate(value)) Object.assign(errors, laravelErrors(validate.errors ?? [], name));
    }
    return errors;
  }

  validateBody(operation: SpecOperation, body: unknown): Record<string, string[]> {
    if (operation.body === null) return {};
    const validate = this.validator(operation.body.pointer);
    return validate(body) ? {} : laravelErrors(validate.errors ?? []);
  }

  /** Problems with a response the simulator produced; empty when it matches the spec. */
  checkResponse(operation: SpecOperation, status: number, body: unknown): string[] {
    const where = `${operation.method.toUpperCase()} ${operation.template} → ${status}`;
    if (!operation.responses.has(status)) return [`${where}: status ${status} is not documented for this operation`];
    const pointer = operation.responses.get(status) ?? null;
    if (pointer === null)
      return body === undefined ? [] : [`${where}: the spec documents an empty body but one was sent`];
    if (body === undefined) return [`${where}: the spec documents a body but the response was empty`];
    const validate = this.validator(pointer);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${where}: ${error.instancePath || "/"} ${error.message ?? error.keyword}`,
    );
  }
}
