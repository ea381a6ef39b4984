import { StringDecoder } from "node:string_decoder";

/**
 * Collects one output stream of a remote command: hands whole characters to an optional callback as they arrive and
 * keeps at most `maxBytes` of the most recent output for the result.
 */
export class OutputTail {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private dropped = false;
  private readonly decoder = new StringDecoder("utf8");

  constructor(
    private readonly maxBytes: number,
    private readonly onText?: (chunk: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.onText) {
      const text = this.decoder.write(chunk);
      if (text !== "") this.onText(text);
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.maxBytes && this.chunks.length > 0) {
      this.dropped = true;
      const first = this.chunks[0] as Buffer;
      const excess = this.bytes - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
      }
    }
  }

  /** Flushes a trailing partial character to the callback and returns the kept text. */
  finish(): string {
    if (this.onText) {
      const rest = this.decoder.end();
      if (rest !== "") this.onText(rest);
    }
    let text = Buffer.concat(this.chunks).toString("utf8");
    // Dropping old bytes can cut a multi-byte character; drop its remains rather than show U+FFFD.
    if (this.dropped) text = text.replace(/^\uFFFD+/, "");
    return text;
  }
}

/** The last `maxChars` characters of `text`, marked as cut when shortened; for error messages. */
export function tailOf(text: string, maxChars = 2000): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= maxChars ? trimmed : `…${trimmed.slice(trimmed.length - maxChars)}`;
}
