/**
 * RESP2, the Redis wire protocol, for the few commands the slot registry sends. node-redis cannot run over a stream it
 * did not open itself (it always dials with `net`/`tls`), and the registry's Redis is only reachable through an SSH
 * `forwardOut` channel; a local listener in between would expose an unauthenticated port. So commands are encoded
 * and replies parsed here. https://redis.io/docs/latest/develop/reference/protocol-spec/
 */

/** An error reply (`-ERR ...`). Its text comes from the server and never contains the command's arguments. */
export class RedisReplyError extends Error {
  override readonly name = "RedisReplyError";
  /** The first word of the reply: `ERR`, `NOAUTH`, `WRONGPASS`, `WRONGTYPE`, ... */
  readonly code: string;

  constructor(reply: string) {
    super(reply);
    this.code = reply.split(" ", 1)[0] ?? "";
  }
}

/** A parsed reply: simple and bulk strings are UTF-8 text, nil is null, arrays nest, error replies are values. */
export type RespValue = string | number | null | RedisReplyError | RespValue[];

/** Encodes one command as an array of bulk strings, which is binary-safe whatever the arguments contain. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  if (args.length === 0) throw new Error("a Redis command needs at least its name");
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(typeof arg === "number" ? String(arg) : arg, "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Thrown by the parser when the bytes are not RESP2, e.g. because the port is not Redis. */
export class RespProtocolError extends Error {
  override readonly name = "RespProtocolError";
}

const INCOMPLETE = Symbol("incomplete");
type Parsed = { value: RespValue; next: number } | typeof INCOMPLETE;

// A reply line longer than this without CRLF is not Redis (an HTTP or SSH banner would already have failed).
const MAX_LINE = 64 * 1024;
const MAX_BULK = 512 * 1024 * 1024;

/** Turns a byte stream into replies; feed it chunks in arrival order. */
export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends `chunk` and returns every reply that is now complete, in order. */
  push(chunk: Buffer): RespValue[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const replies: RespValue[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseValue(this.buffer, offset);
      if (parsed === INCOMPLETE) break;
      replies.push(parsed.value);
      offset = parsed.next;
    }
    this.buffer = this.buffer.subarray(offset);
    return replies;
  }

  /** Bytes received that do not yet form a whole reply. */
  get pendingBytes(): number {
    return this.buffer.length;
  }
}

function readLine(buffer: Buffer, start: number): { line: string; next: number } | typeof INCOMPLETE {
  const end = buffer.indexOf("\r\n", start);
  if (end < 0) {
    if (buffer.length - start > MAX_LINE)
      throw new RespProtocolError("a reply line has no end; is this port really Redis?");
    return INCOMPLETE;
  }
  return { line: buffer.subarray(start, end).toString("utf8"), next: end + 2 };
}

function parseLength(text: string, what: string): number {
  if (!/^-?\d{1,12}$/.test(text))
    throw new RespProtocolError(`malformed ${what} length in a reply; is this port really Redis?`);
  return Number(text);
}

function parseValue(buffer: Buffer, offset: number): Parsed {
  if (offset >= buffer.length) return INCOMPLETE;
  const header = readLine(buffer, offset + 1);
  if (header === INCOMPLETE) return INCOMPLETE;
  const { line, next } = header;
  switch (String.fromCharCode(buffer[offset] as number)) {
    case "+":
      return { value: line, next };
    case "-":
      return { value: new RedisReplyError(line), next };
    case ":": {
      if (!/^-?\d+$/.test(line)) throw new RespProtocolError("malformed integer reply; is this port really Redis?");
      return { value: Number(line), next };
    }
    case "$": {
      const length = parseLength(line, "bulk string");
      if (length < 0) return { value: null, next };
      if (length > MAX_BULK) throw new RespProtocolError("a bulk reply is larger than Redis allows");
      if (buffer.length < next + length + 2) return INCOMPLETE;
      return { value: buffer.subarray(next, next + length).toString("utf8"), next: next + length + 2 };
    }
    case "*": {
      const count = parseLength(line, "array");
      if (count < 0) return { value: null, next };
      const items: RespValue[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseValue(buffer, position);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        position = item.next;
      }
      return { value: items, next: position };
    }
    default:
      throw new RespProtocolError("a reply starts with an unknown type byte; is this port really Redis (RESP2)?");
  }
}
