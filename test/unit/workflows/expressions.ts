/**
 * An evaluator for the part of GitHub Actions' expression language the workflows use, so tests can decide what a
 * job's `if:`, a concurrency group or a step's `env:` would be for a given event, the way the runner does: property
 * access, literals, `!`, comparisons, `&&`/`||` (which return an operand, not a boolean), and the functions below.
 * Comparisons follow GitHub's rules: strings ignore case, mixed types compare as numbers.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface ExpressionContext {
  [name: string]: Value | undefined;
}

/** What `success()`, `failure()`, `cancelled()` and `always()` see. */
export interface JobStatus {
  failed: boolean;
  cancelled: boolean;
}

type Token =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "ident"; value: string }
  | { kind: "op"; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      let value = "";
      let j = 1;
      for (;;) {
        if (j >= rest.length) throw new Error(`unterminated string in ${source}`);
        if (rest[j] === "'") {
          if (rest[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += rest[j];
        j += 1;
      }
      tokens.push({ kind: "string", value });
      i += j + 1;
      continue;
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[!<>()[\].,*])/.exec(rest);
    if (op) {
      tokens.push({ kind: "op", value: op[0] });
      i += op[0].length;
      continue;
    }
    const number = /^(0x[0-9a-fA-F]+|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(rest);
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: "ident", value: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new Error(`unexpected ${JSON.stringify(rest.slice(0, 10))} in ${source}`);
  }
  return tokens;
}

export function truthy(value: Value | undefined): boolean {
  return !(
    value === undefined ||
    value === null ||
    value === false ||
    value === 0 ||
    value === "" ||
    Number.isNaN(value)
  );
}

function toNumber(value: Value | undefined): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value === "string") return value.trim() === "" ? 0 : Number(value);
  return NaN;
}

function looselyEqual(a: Value | undefined, b: Value | undefined): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (typeof x === "string" && typeof y === "string") return x.toLowerCase() === y.toLowerCase();
  if (typeof x === typeof y && (typeof x !== "object" || x === null || y === null)) return x === y;
  if (typeof x === "object" && x !== null) return x === y;
  return toNumber(x) === toNumber(y);
}

function asString(value: Value | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function callFunction(name: string, args: Array<Value | undefined>, status: JobStatus): Value {
  switch (name.toLowerCase()) {
    case "contains": {
      const [haystack, needle] = args;
      if (Array.isArray(haystack)) return haystack.some((item) => looselyEqual(item, needle));
      return asString(haystack).toLowerCase().includes(asString(needle).toLowerCase());
    }
    case "startswith":
      return asString(args[0]).toLowerCase().startsWith(asString(args[1]).toLowerCase());
    case "endswith":
      return asString(args[0]).toLowerCase().endsWith(asString(args[1]).toLowerCase());
    case "fromjson":
      return JSON.parse(asString(args[0])) as Value;
    case "tojson":
      return JSON.stringify(args[0] ?? null, null, 2);
    case "format":
      return asString(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => asString(args[Number(n) + 1]));
    case "always":
      return true;
    case "cancelled":
      return status.cancelled;
    case "failure":
      return status.failed;
    case "success":
      return !status.failed && !status.cancelled;
    default:
      throw new Error(`the expression evaluator does not know ${name}()`);
  }
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly context: ExpressionContext,
    private readonly status: JobStatus,
    private readonly source: string,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.position < this.tokens.length) throw new Error(`unexpected tokens at the end of ${this.source}`);
    return value;
  }

  private peek(value: string): boolean {
    const token = this.tokens[this.position];
    return token !== undefined && token.kind === "op" && token.value === value;
  }

  private expect(value: string): void {
    if (!this.peek(value)) throw new Error(`expected ${value} in ${this.source}`);
    this.position += 1;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek("||")) {
      this.position += 1;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.equality();
    while (this.peek("&&")) {
      this.position += 1;
      const right = this.equality();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private equality(): Value {
    let left = this.comparison();
    while (this.peek("==") || this.peek("!=")) {
      const negate = this.peek("!=");
      this.position += 1;
      const equal = looselyEqual(left, this.comparison());
      left = negate ? !equal : equal;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (const op of ["<=", ">=", "<", ">"]) {
      if (!this.peek(op)) continue;
      this.position += 1;
      const a = toNumber(left);
      const b = toNumber(this.unary());
      left = op === "<=" ? a <= b : op === ">=" ? a >= b : op === "<" ? a < b : a > b;
    }
    return left;
  }

  private unary(): Value {
    if (this.peek("!")) {
      this.position += 1;
      return !truthy(this.unary());
    }
    return this.postfix();
  }

  private postfix(): Value {
    const token = this.tokens[this.position];
    if (token === undefined) throw new Error(`unexpected end of ${this.source}`);
    this.position += 1;
    let value: Value | undefined;
    if (token.kind === "string" || token.kind === "number") value = token.value;
    else if (token.kind === "op" && token.value === "(") {
      value = this.or();
      this.expect(")");
    } else if (token.kind === "ident") {
      if (this.peek("(")) {
        this.position += 1;
        const args: Array<Value | undefined> = [];
        while (!this.peek(")")) {
          args.push(this.or());
          if (!this.peek(")")) this.expect(",");
        }
        this.position += 1;
        value = callFunction(token.value, args, this.status);
      } else if (token.value === "true" || token.value === "false") value = token.value === "true";
      else if (token.value === "null") value = null;
      else value = this.context[token.value] ?? null;
    } else throw new Error(`unexpected ${token.value} in ${this.source}`);
    for (;;) {
      if (this.peek(".")) {
        this.position += 1;
        const name = this.tokens[this.position];
        if (name?.kind !== "ident") throw new Error(`expected a property name in ${this.source}`);
        this.position += 1;
        value = property(value, name.value);
      } else if (this.peek("[")) {
        this.position += 1;
        const key = this.or();
        this.expect("]");
        value = property(value, asString(key));
      } else break;
    }
    return value ?? null;
  }
}

/** Property names are case-insensitive, and a missing one is null rather than an error. */
function property(value: Value | undefined, name: string): Value {
  if (typeof value !== "object" || value === null) return null;
  if (Array.isArray(value)) return value[Number(name)] ?? null;
  const key = Object.keys(value).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : value[key];
}

const NOT_FAILED: JobStatus = { failed: false, cancelled: false };

/** Evaluates one expression, with or without its `${{ }}`. */
export function evaluate(expression: string, context: ExpressionContext, status: JobStatus = NOT_FAILED): Value {
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
  return new Parser(tokenize(inner), context, status, inner).parse();
}

/** A job's or step's `if:`: true when absent, and `success() &&` implied unless it calls a status function. */
export function evaluateIf(condition: unknown, context: ExpressionContext, status: JobStatus = NOT_FAILED): boolean {
  if (condition === undefined) return !status.failed && !status.cancelled;
  if (typeof condition === "boolean") return condition;
  const text = String(condition);
  const result = truthy(evaluate(text, context, status));
  if (/\b(always|cancelled|failure|success)\s*\(/.test(text)) return result;
  return result && !status.failed && !status.cancelled;
}

/** A string with `${{ }}` parts, as in `env:` values and concurrency groups. */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => asString(evaluate(inner, context)));
}
